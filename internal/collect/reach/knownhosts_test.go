package reach

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseKnownHosts(t *testing.T) {
	k := " ssh-ed25519 " + testKey
	for _, c := range []struct {
		name, in string
		want     []KnownHost
		bad      int
	}{
		{"plain", "web01.example.test" + k + " comment here\n",
			[]KnownHost{{Pattern: "web01.example.test", KeyType: "ssh-ed25519", Line: 1}}, 0},
		{"host list and port", "web01,10.0.0.5,[db.example.test]:2222" + k,
			[]KnownHost{{Pattern: "web01", KeyType: "ssh-ed25519", Line: 1},
				{Pattern: "10.0.0.5", KeyType: "ssh-ed25519", Line: 1},
				{Pattern: "[db.example.test]:2222", KeyType: "ssh-ed25519", Line: 1}}, 0},
		{"markers", "@cert-authority *.example.test" + k + "\n@revoked old.example.test" + k,
			[]KnownHost{{Pattern: "*.example.test", Marker: "@cert-authority", KeyType: "ssh-ed25519", Line: 1},
				{Pattern: "old.example.test", Marker: "@revoked", KeyType: "ssh-ed25519", Line: 2}}, 0},
		{"hashed", hashedBuild + k + "\r\n",
			[]KnownHost{{Pattern: hashedBuild, KeyType: "ssh-ed25519", Line: 1}}, 0},
		{"negation left out", "*.corp,!gw.corp" + k,
			[]KnownHost{{Pattern: "*.corp", KeyType: "ssh-ed25519", Line: 1}}, 0},
		{"comments and blanks", "# a comment\n\n   \n\t# indented\n", nil, 0},
		{"bad lines counted", "only-a-host\n@bogus h" + k + "\nok.test" + k,
			[]KnownHost{{Pattern: "ok.test", KeyType: "ssh-ed25519", Line: 3}}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, bad, _, err := ParseKnownHosts(context.Background(), strings.NewReader(c.in))
			if err != nil || bad != c.bad || !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v, %d bad, %v; want %+v, %d bad", got, bad, err, c.want, c.bad)
			}
		})
	}
}

func TestParseKnownHostsCaps(t *testing.T) {
	long := strings.Repeat("a", maxLine+1) + "\n"
	got, _, _, err := ParseKnownHosts(context.Background(), strings.NewReader("ok.test ssh-rsa AAAA\n"+long))
	if err == nil || !strings.Contains(err.Error(), "line 2") || len(got) != 1 {
		t.Errorf("long line: %d hosts, %v", len(got), err)
	}
	many := strings.Repeat(strings.Repeat("a,", 99)+"b ssh-rsa AAAA\n", maxKnownHosts/100+1)
	got, _, _, err = ParseKnownHosts(context.Background(), strings.NewReader(many))
	if err == nil || len(got) != maxKnownHosts {
		t.Errorf("too many hosts: %d hosts, %v", len(got), err)
	}
}

func FuzzParseKnownHosts(f *testing.F) {
	f.Add("web01,[10.0.0.5]:2222 ssh-ed25519 " + testKey + "\n@revoked x ssh-rsa AAAA\n" + hashedBuild + " ssh-rsa A\n")
	f.Add("@cert-authority *.corp,!a ssh-rsa AAAA c\n#c\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		hosts, bad, first, err := ParseKnownHosts(context.Background(), strings.NewReader(in))
		if bad > 0 && first < 1 {
			t.Fatalf("%d bad lines, first at %d", bad, first)
		}
		if err == nil && len(hosts) > maxKnownHosts {
			t.Fatalf("%d hosts", len(hosts))
		}
		for _, h := range hosts {
			if h.Pattern == "" || strings.ContainsAny(h.Pattern, " \t\n,") || strings.HasPrefix(h.Pattern, "!") {
				t.Fatalf("bad pattern %q", h.Pattern)
			}
			MatchesHashed(h.Pattern, "x")
		}
	})
}
