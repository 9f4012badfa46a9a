package stixpattern

import (
	"fmt"
	"strings"
	"testing"
)

// people builds observed-data, each with one embedded person object.
type person struct {
	name        string
	first, last string // seconds after 2000-01-01T00:00:00Z, e.g. "3" or "3.5"
	n           int
}

func people(t testing.TB, ps ...person) []Observation {
	t.Helper()
	var parts []string
	for i, p := range ps {
		n := p.n
		if n == 0 {
			n = 1
		}
		last := p.last
		if last == "" {
			last = p.first
		}
		parts = append(parts, fmt.Sprintf(`{"type":"observed-data","id":"observed-data--00000000-0000-4000-8000-%012d",
		 "first_observed":"%s","last_observed":"%s","number_observed":%d,
		 "objects":{"0":{"type":"person","name":%q,"age":%d}}}`, i, ts(p.first), ts(last), n, p.name, 10*i))
	}
	return loadString(t, "["+strings.Join(parts, ",")+"]")
}

func ts(sec string) string {
	whole, frac, _ := strings.Cut(sec, ".")
	var s int
	fmt.Sscan(whole, &s)
	out := fmt.Sprintf("2000-01-01T%02d:%02d:%02d", s/3600, s/60%60, s%60)
	if frac != "" {
		out += "." + frac
	}
	return out + "Z"
}

// Observation operators and precedence (9.5.2, 9.5.3): AND binds tighter
// than OR, OR tighter than FOLLOWEDBY; AND and FOLLOWEDBY need different
// observations.
func TestObservationOperators(t *testing.T) {
	runCases(t, loadFile(t, "people.json"), []evalCase{
		{"[person:name='alice'] AND [person:age>20]", match},
		{"[person:name='alice'] OR [person:name='carol']", match},
		{"[person:name='alice'] OR [person:name='zelda']", match},
		{"[person:name='zelda'] OR [person:name='alice']", match},
		{"[person:age>10] OR [person:name='bob'] OR [person:name>'amber']", match},
		{"[person:name='alice'] FOLLOWEDBY [person:name>'bill']", match},
		{"[person:age > 20] OR ([person:name > 'zelda'] FOLLOWEDBY [person:age < 0])", match},
		{"[person:age > 20] OR [person:name > 'zelda'] AND [person:age < 0]", match},
		{"([person:name='bob'] FOLLOWEDBY [person:name > 'bill']) AND [person:age < 15]", match},
		{"([person:name='carol'] FOLLOWEDBY [person:name < 'elizabeth']) AND [person:age < 15]", nomatch},
		{"[person:name='alice'] FOLLOWEDBY [person:name='bob'] FOLLOWEDBY [person:name='carol']", match},
		{"[person:name='alice'] AND [person:name='bob'] AND [person:name='carol']", match},
		{"[person:name='alice'] FOLLOWEDBY ([person:name='carol'] AND [person:name='bob'])", match},
		{"[person:name='alice'] AND [person:name='zelda']", nomatch},
		{"[person:name='alice'] AND [person:age=10]", nomatch},
		{"[person:name='alice'] FOLLOWEDBY [person:age=10]", nomatch},
		{"[person:name='mary'] OR [person:name='zelda']", nomatch},
		{"[person:age > 70] OR [person:name > 'zelda'] AND [person:name MATCHES '^...?$']", nomatch},
		{"[person:name='bob'] FOLLOWEDBY [person:age<15]", nomatch},
		{"[person:age > 20] OR [person:name > 'zelda'] FOLLOWEDBY [person:age < 0]", nomatch},
		{"([person:age > 20] OR [person:name > 'zelda']) AND [person:age < 0]", nomatch},
		{"[person:name='carol'] FOLLOWEDBY [person:name < 'elizabeth'] AND [person:age < 15]", nomatch},
		{"[person:name='bob'] FOLLOWEDBY [person:name='alice'] FOLLOWEDBY [person:name='carol']", nomatch},
		{"[person:age < 100] AND [person:age < 100] AND [person:age < 100] AND [person:age < 100]", nomatch},
	})
}

// WITHIN and START/STOP, with the reference matcher's reading: an
// observation may have occurred at any time between first_observed and
// last_observed; WITHIN d holds when the latest first_observed is at most d
// after the earliest last_observed; START/STOP admits observations that
// overlap [start, stop).
func TestTemporalQualifiers(t *testing.T) {
	runCases(t, loadFile(t, "people.json"), []evalCase{
		{"[person:name = 'bob'] WITHIN 1 SECONDS", match},
		{"[person:name = 'bob'] WITHIN .0001 SECONDS", match},
		{"[person:name = 'bob'] WITHIN +1 SECONDS", match},
		{"[person:name = 'alice'] AND [person:name < 'carol'] WITHIN 1 SECONDS", match},
		{"([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 5 SECONDS", match},
		{"([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 6 SECONDS", match},
		{"([person:name = 'alice'] OR [person:name = 'darlene']) WITHIN 1 SECONDS", match},
		{"([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 4 SECONDS", nomatch},
		{"([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 4.9999 SECONDS", nomatch},
		{"[person:name = 'elizabeth'] WITHIN 10 SECONDS", nomatch},
		{"([person:name < 'alice'] OR [person:name = 'darlene']) WITHIN 10 SECONDS", nomatch},
		{"([person:name = 'alice'] FOLLOWEDBY [person:name = 'carol']) WITHIN 10 SECONDS", match},
		{"([person:name = 'alice'] FOLLOWEDBY [person:name = 'carol']) WITHIN 9 SECONDS", nomatch},

		{"[person:name = 'bob'] START t'1994-11-29T13:37:57Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"[person:name LIKE 'a%'] AND [person:name = 'bob'] START t'1994-11-29T13:37:57Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"([person:name LIKE 'a%'] AND [person:name = 'bob']) START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"[person:name = 'alice'] OR [person:name = 'darlene'] START t'1994-11-29T13:37:57Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"([person:name = 'alice'] OR [person:name = 'darlene']) START t'1994-11-29T13:37:52Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"[person:name MATCHES ''] REPEATS 2 TIMES START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:58Z'", match},
		{"[person:name = 'bob'] START t'1994-11-29T13:37:58Z' STOP t'1994-11-29T13:37:58Z'", nomatch},
		{"[person:name = 'bob'] START t'1994-11-29T13:37:59Z' STOP t'1994-11-29T13:37:58Z'", nomatch},
		{"[person:name = 'bob'] START t'1994-11-29T13:37:58Z' STOP t'1994-11-29T13:37:59Z'", nomatch},
		{"([person:name LIKE 'a%'] AND [person:name = 'bob']) START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:57Z'", nomatch},
		{"([person:name LIKE 'z%'] OR [person:name = 'darlene']) START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:57Z'", nomatch},
		{"[person:name MATCHES ''] REPEATS 3 TIMES START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:58Z'", nomatch},
		{"[person:name NOT LIKE 'foo'] START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:57Z' REPEATS 3 TIMES", nomatch},
		{"([person:name = 'bob'] START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:38:00Z') START t'1994-11-29T13:37:58Z' STOP t'1994-11-29T13:39:00Z'", nomatch},

		{"([person:name = 'alice'] AND [person:name = 'carol']) WITHIN 99999999999999999999999999999 SECONDS", match},
		{"([person:name = 'alice'] AND [person:name = 'carol']) WITHIN 9.99999999999999999999 SECONDS", nomatch},
		{"([person:name = 'alice'] AND [person:name = 'carol']) WITHIN 10.00000000000000000001 SECONDS", match},
		{"([person:name = 'alice'] AND [person:name = 'carol']) WITHIN 9.9999999999 SECONDS", nomatch},
		{"[person:name = 'alice'] WITHIN 0.0000000000001 SECONDS", match},
		{"[person:name = 'alice'] WITHIN 0 SECONDS", invalid},
		{"[person:name = 'alice'] WITHIN 0.0 SECONDS", invalid},
		{"[person:name = 'alice'] WITHIN -1 SECONDS", invalid},
		{"[person:name = 'alice'] WITHIN -123.367 SECONDS", invalid},
		{"[person:name = 'alice'] WITHIN 1 SECOND", invalid},
		{"[person:name = 'alice'] WITHIN 5 HOURS", invalid},
		{"[person:name = 'alice'] WITHIN SECONDS", invalid},
		{"[person:name = 'alice'] WITHIN ]", invalid},
		{"[person:name = 'alice'] within 1 seconds", invalid},
		{"[person:name = 'alice'] START t'1994-11-29T13:37:58Z'", invalid},
		{"[person:name = 'alice'] START '1994-11-29T13:37:58Z' STOP '1994-11-29T13:37:59Z'", invalid},
		{"[person:name = 'alice'] STOP t'1994-11-29T13:37:58Z'", invalid},
	})
}

// Interval overlaps, observations spanning [first_observed, last_observed].
func TestWithinIntervals(t *testing.T) {
	type iv struct{ f1, l1, f2, l2, d string }
	matches := []iv{
		{"0", "0", "0", "0", "1"}, {"0", "0", "0", "1", "1"}, {"0", "0", "0", "1", "2"},
		{"0", "1", "1", "2", "1"}, {"0", "1", "2", "3", "1"}, {"0", "3", "1", "2", "1"},
		{"0", "2", "1", "3", "1"}, {"0", "1", "3", "4", "2"}, {"0", "0", "1.5", "2", "1.5"},
	}
	misses := []iv{
		{"0", "1", "3", "4", "1"}, {"0", "0", "3", "4", "2"}, {"0", "1", "4", "4", "2"},
		{"0", "0", "1.5", "2", "1.4999"},
	}
	for _, c := range append(matches, misses...) {
		obs := people(t, person{name: "alice", first: c.f1, last: c.l1}, person{name: "bob", first: c.f2, last: c.l2})
		pattern := "([person:name='alice'] AND [person:name='bob']) WITHIN " + c.d + " SECONDS"
		want := nomatch
		for _, m := range matches {
			if m == c {
				want = match
			}
		}
		if got, _, err := outcome(pattern, obs); got != want {
			t.Errorf("%+v: got %s (%v), want %s", c, got, err, want)
		}
	}
}

// FOLLOWEDBY: b's observation time must be >= a's, choosing the most
// favourable times within each observation's interval.
func TestFollowedByIntervals(t *testing.T) {
	cases := []struct {
		a, b person
		want string
	}{
		{person{first: "0", last: "0"}, person{first: "0", last: "0"}, match}, // equal times
		{person{first: "0", last: "5"}, person{first: "3", last: "3"}, match},
		{person{first: "4", last: "5"}, person{first: "0", last: "4"}, match},
		{person{first: "5", last: "6"}, person{first: "0", last: "4"}, nomatch},
		{person{first: "1"}, person{first: "0"}, nomatch},
	}
	for _, c := range cases {
		c.a.name, c.b.name = "alice", "bob"
		obs := people(t, c.a, c.b)
		if got, _, err := outcome("[person:name='alice'] FOLLOWEDBY [person:name='bob']", obs); got != c.want {
			t.Errorf("%+v: got %s (%v), want %s", c, got, err, c.want)
		}
	}
}

// START/STOP with an observation spanning the window's edges; a window
// whose start is not before its stop admits nothing (reference matcher).
func TestStartStopSpanning(t *testing.T) {
	obs := people(t, person{name: "span", first: "57", last: "59"})
	runCases(t, obs, []evalCase{
		{"[person:name = 'span'] START t'2000-01-01T00:00:58Z' STOP t'2000-01-01T00:00:59Z'", match},
		{"[person:name = 'span'] START t'2000-01-01T00:00:59Z' STOP t'2000-01-01T00:01:00Z'", match},
		{"[person:name = 'span'] START t'2000-01-01T00:00:50Z' STOP t'2000-01-01T00:00:57.000000001Z'", match},
		{"[person:name = 'span'] START t'2000-01-01T00:00:50Z' STOP t'2000-01-01T00:00:57Z'", nomatch},
		{"[person:name = 'span'] START t'2000-01-01T00:00:59.5Z' STOP t'2000-01-01T00:01:00Z'", nomatch},
		{"[person:name = 'span'] START t'2000-01-01T00:00:58Z' STOP t'2000-01-01T00:00:58Z'", nomatch},
		{"[person:name = 'span'] START t'2000-01-01T00:00:59Z' STOP t'2000-01-01T00:00:58Z'", nomatch},
		{"([person:name = 'span'] START t'2000-01-01T00:00:50Z' STOP t'2000-01-01T00:00:58Z') START t'2000-01-01T00:00:58Z' STOP t'2000-01-01T00:01:10Z'", match},
	})
}
