package reach

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []ConfigHost
	}{
		{"block", "Host build\n  HostName build-win-02.corp.example\n  User ci\n  Port 2222\n  ProxyJump jump.corp.example\n",
			[]ConfigHost{{Pattern: "build", HostName: "build-win-02.corp.example", User: "ci", Port: "2222",
				ProxyJump: "jump.corp.example", File: "c", Line: 1}}},
		{"equals, case, quotes, comments", "# x\nhost=\"db one\" db2 # trailing\n\tHOSTNAME = 10.0.0.9\n",
			[]ConfigHost{{Pattern: "db one", HostName: "10.0.0.9", File: "c", Line: 2},
				{Pattern: "db2", HostName: "10.0.0.9", File: "c", Line: 2}}},
		{"first value wins", "Host a\n User one\n User two\n",
			[]ConfigHost{{Pattern: "a", User: "one", File: "c", Line: 1}}},
		{"star, negation and Match left out", "Host * !b\n User x\nHost c\nMatch host c\n User y\n",
			[]ConfigHost{{Pattern: "c", File: "c", Line: 3}}},
		{"globals ignored", "User root\nHost a\n", []ConfigHost{{Pattern: "a", File: "c", Line: 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &ConfigParser{}
			got, err := p.Parse(context.Background(), "c", strings.NewReader(c.in))
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, %v\nwant %+v", got, err, c.want)
			}
		})
	}
}

func TestConfigTarget(t *testing.T) {
	for _, c := range []struct {
		h    ConfigHost
		want string
	}{
		{ConfigHost{Pattern: "web"}, "web"},
		{ConfigHost{Pattern: "web", HostName: "%h.corp.example"}, "web.corp.example"},
		{ConfigHost{Pattern: "web", HostName: "10.1.1.1"}, "10.1.1.1"},
	} {
		if got := c.h.Target(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
}

func TestParseConfigIncludeDepth(t *testing.T) {
	var problems []string
	p := &ConfigParser{Problems: func(err error) { problems = append(problems, err.Error()) }}
	p.Include = func(arg string) ([]IncludedFile, error) {
		return []IncludedFile{{Name: arg, R: strings.NewReader("Host " + arg + "\nInclude " + arg + "x\n")}}, nil
	}
	got, err := p.Parse(context.Background(), "c", strings.NewReader("Include a\n"))
	if err != nil || len(got) != maxIncludeDepth || len(problems) != 1 {
		t.Errorf("%d hosts, %v, problems %q; want %d hosts and one problem", len(got), err, problems, maxIncludeDepth)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add("Host a b\n HostName %h.x\n User u\nInclude y\nMatch all\nHost=\"q r\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		p := &ConfigParser{Include: func(arg string) ([]IncludedFile, error) {
			return []IncludedFile{{Name: arg, R: strings.NewReader(in)}}, nil
		}}
		hosts, _ := p.Parse(context.Background(), "c", strings.NewReader(in))
		if len(hosts) > maxConfigHosts {
			t.Fatalf("%d hosts", len(hosts))
		}
		for _, h := range hosts {
			if h.Pattern == "*" || strings.HasPrefix(h.Pattern, "!") {
				t.Fatalf("pattern %q kept", h.Pattern)
			}
		}
	})
}
