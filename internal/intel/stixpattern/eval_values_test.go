package stixpattern

import "testing"

// ISSUBSET / ISSUPERSET: CIDR containment; an identical address or block
// is both a subset and a superset (9.6.1).
func TestSetOperators(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[x-test:ip ISSUBSET '11.22.41.123/20']", match},
		{"[x-test:ip NOT ISSUBSET '11.22.123.41/20']", match},
		{"[x-test:ip ISSUBSET '11.22.33.44']", match},
		{"[x-test:ip ISSUPERSET '11.22.33.44']", match},
		{"[x-test:ip ISSUBSET '11.22.33.44/32']", match},
		{"[x-test:ip ISSUBSET '0.0.0.0/0']", match},
		{"[x-test:cidr ISSUPERSET '11.22.41.123']", match},
		{"[x-test:cidr ISSUPERSET '11.22.41.123/29']", match},
		{"[x-test:cidr ISSUBSET '11.22.32.0/20']", match},
		{"[x-test:cidr ISSUPERSET '11.22.32.0/20']", match},
		{"[x-test:cidr NOT ISSUPERSET '11.22.33.44/13']", match},
		{"[x-test:cidr NOT ISSUPERSET '11.22.123.41/29']", match},
		{"[x-test:ip6 ISSUBSET '2001:db8::/32']", match},
		{"[x-test:ip6 ISSUBSET '2001:0db8:0000:0000:0000:0000:0000:0000/64']", match},
		{"[x-test:ip6 ISSUPERSET '2001:db8::1']", match},
		{"[x-test:int NOT ISSUPERSET '11.22.33.44']", match},
		{"[x-test:int NOT ISSUBSET '11.22.33.44']", match},
		{"[x-test:bool NOT ISSUBSET '11.22.33.44']", match},
		{"[x-test:ip NOT ISSUBSET '11.22.41.123/20']", nomatch},
		{"[x-test:ip ISSUBSET '11.22.123.41/20']", nomatch},
		{"[x-test:cidr ISSUPERSET '11.22.33.44/13']", nomatch},
		{"[x-test:cidr ISSUBSET '11.22.33.44/24']", nomatch},
		{"[x-test:ip6 ISSUBSET '11.0.0.0/8']", nomatch},
		{"[x-test:ip ISSUBSET '2001:db8::/32']", nomatch},
		{"[x-test:ip ISSUBSET '::ffff:0:0/96']", nomatch},
		{"[x-test:int ISSUBSET '11.22.33.44']", nomatch},
		{"[x-test:null ISSUBSET '12.23.32.12/14']", nomatch},
		{"[x-test:notip ISSUBSET '1.2.3.0/24']", badData},
		{"[x-test:ip ISSUBSET 'nonsense']", invalid},
		{"[x-test:ip ISSUBSET '1.2.3.4/33']", invalid},
		{"[x-test:ip ISSUBSET 5]", invalid},
	})
}

// Timestamp constants; a JSON string compared with one must be a valid STIX
// timestamp (as in the reference matcher, otherwise an error).
func TestTimestamps(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[x-test:ts = t'2010-05-21T13:21:43Z']", match},
		{"[x-test:ts = t'2010-05-21T13:21:43.000Z']", match},
		{"[x-test:ts != t'1974-11-05T05:31:11Z']", match},
		{"[x-test:ts > t'1974-11-05T05:31:11Z']", match},
		{"[x-test:ts < t'3012-08-17T17:43:55Z']", match},
		{"[x-test:ts_frac = t'2010-05-21T13:21:43.1234Z']", match},
		{"[x-test:ts_frac > t'2010-05-21T13:21:43.1233999Z']", match},
		{"[x-test:ts IN (t'1953-11-26T14:25:33Z', t'2010-05-21T13:21:43Z')]", match},
		{"[x-test:ts NOT IN (t'1953-11-26T14:25:33Z', t'1985-07-25T20:27:52Z')]", match},
		{"[x-test:ts = '2010-05-21T13:21:43Z']", match}, // a string constant compares as a string
		{"[x-test:ts != t'2010-05-21T13:21:43Z']", nomatch},
		{"[x-test:ts <= t'1974-11-05T05:31:11Z']", nomatch},
		{"[x-test:ts >= t'3012-08-17T17:43:55Z']", nomatch},
		{"[x-test:ts_frac != t'2010-05-21T13:21:43.1234Z']", nomatch},
		{"[x-test:ts NOT IN (t'1953-11-26T14:25:33Z', t'2010-05-21T13:21:43Z')]", nomatch},
		{"[x-test:int = t'2010-05-21T13:21:43Z']", nomatch},
		{"[x-test:bad_ts = t'1996-07-11T09:17:10Z']", badData},
		{"[x-test:ts_list[*] = t'2010-05-21T13:21:43Z']", match}, // stops at the first match
		{"[x-test:ts_list[1] = t'2010-05-21T13:21:43Z']", badData},
		{"[x-test:ts = t'2010-05-21T13:21:43']", invalid},
		{"[x-test:ts = t'2010-05-21T13:21:43z']", invalid},
		{"[x-test:ts = t'2010-05-21t13:21:43Z']", invalid},
		{"[x-test:ts = t'2010/05/21T13:21:43Z']", invalid},
		{"[x-test:ts = t'2010-05-21T13:21Z']", invalid},
		{"[x-test:ts = t'2010-05-21T13:21:99Z']", invalid},
		{"[x-test:ts = t'2010-02-30T13:21:00Z']", invalid},
		{"[x-test:ts = t'2010-13-01T13:21:00Z']", invalid},
		{"[x-test:ts = t'2010-05-21T24:00:00Z']", invalid},
		{"[x-test:ts = t'2010-05-21T13:21:00.Z']", invalid},
		{"[x-test:ts = t'2010-05-21T13:21:00+00:00']", invalid},
		{"[x-test:ts > t'2016-12-31T23:59:60Z']", nomatch}, // leap second accepted
	})
}

// A comparison on a missing or null property is false whatever the
// operator, NOT and != included (9.6).
func TestMissingAndNull(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[x-test:nosuch = 'x']", nomatch},
		{"[x-test:nosuch != 'x']", nomatch},
		{"[x-test:nosuch NOT = 'x']", nomatch},
		{"[x-test:nosuch NOT LIKE 'x']", nomatch},
		{"[x-test:nosuch NOT IN ('x')]", nomatch},
		{"[x-test:nested.nosuch != 'x']", nomatch},
		{"[x-other:int = 5]", nomatch},
		{"[x-other:int != 5]", nomatch},
		{"[x-test:null = 'x']", nomatch},
		{"[x-test:null > 'alice']", nomatch},
		{"[x-test:null <= 'alice']", nomatch},
		{"[x-test:null IN ('alice', 'bob')]", nomatch},
		{"[x-test:null LIKE 'alice']", nomatch},
		{"[x-test:null MATCHES 'alice']", nomatch},
		{"[x-test:null ISSUPERSET '12.23.32.12/14']", nomatch},
		{"[x-test:null != 'alice']", match}, // null is present, of no comparable type
		{"[x-test:null = null]", invalid},
		{"[x-test:null IN (null)]", invalid},
		{"[x-test:null LIKE null]", invalid},
	})
}

func TestExists(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[EXISTS x-test:int]", match},
		{"[EXISTS x-test:null]", match},
		{"[EXISTS x-test:nested.a.b]", match},
		{"[EXISTS x-test:list[2]]", match},
		{"[EXISTS x-test:list[*]]", match},
		{"[EXISTS x-test:dict.'has-hyphen']", match},
		{"[EXISTS x-test:nosuch]", nomatch},
		{"[EXISTS x-test:nested.z]", nomatch},
		{"[EXISTS x-test:list[3]]", nomatch},
		{"[EXISTS x-test:int[0]]", nomatch},
		{"[EXISTS x-other:int]", nomatch},
		{"[EXISTS x-test:int AND x-test:int = 5]", match},
		{"[EXISTS x-test:nosuch OR x-test:int = 5]", match},
		{"[NOT EXISTS x-test:int]", invalid},
		{"[EXISTS x-test:int = 5]", invalid},
		{"[EXISTS]", invalid},
	})
}

// Lists: [n] is one element (out of range: false), [*] any element (9.7.2).
// Dictionaries: keys by name, quoted when not identifiers (9.7.3).
func TestListsAndDictionaries(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[x-test:list[0] = 'a']", match},
		{"[x-test:list[2] = 'c']", match},
		{"[x-test:list[+1] = 'b']", match},
		{"[x-test:list[*] = 'b']", match},
		{"[x-test:list[*] != 'a']", match},
		{"[x-test:list[*] NOT = 'a']", match},
		{"[x-test:list[*] IN ('z', 'c')]", match},
		{"[x-test:list[*] LIKE '_']", match},
		{"[x-test:nums[*] > 2]", match},
		{"[x-test:list != 'a']", match}, // a list is of no comparable type
		{"[x-test:list[1] = 'a']", nomatch},
		{"[x-test:list[3] = 'a']", nomatch},
		{"[x-test:list[-1] = 'c']", nomatch},
		{"[x-test:list = 'a']", nomatch},
		{"[x-test:list[*] NOT IN ('a', 'b', 'c')]", nomatch},
		{"[x-test:nums[*] > 3]", nomatch},
		{"[x-test:list.x = 'a']", nomatch},
		{"[x-test:list[0][0] = 'a']", nomatch},
		{"[x-test:string[0] = 'h']", nomatch},
		{"[x-test:nested.a.b = 'deep']", match},
		{"[x-test:nested.'a'.'b' = 'deep']", match},
		{"[x-test:'nested'.a.b = 'deep']", match},
		{"[x-test:dict.'has-hyphen' = 1]", match},
		{"[x-test:dict.'has.dot' = 2]", match},
		{"[x-test:dict.'IN' = 3]", match},
		{"[x-test:dict.'x y' = 4]", match},
		{"[x-test:dict.'it\\'s' = 5]", match},
		{"[x-test:nested.a = 'deep']", nomatch},
		{"[x-test:nested != 'x']", match},
		{"[x-test:dict.has-hyphen = 1]", invalid},
		{"[x-test:dict.IN = 3]", invalid},
		{"[x-test:dict.'has-hyphen'.= 1]", invalid},
		{"[x-test:list[a] = 1]", invalid},
		{"[x-test:list[1.5] = 1]", invalid},
		{"[x-test:list[] = 1]", invalid},
		{"[x-test:list[01] = 1]", invalid},
		{"[x-test: = 1]", invalid},
		{"[:int = 1]", invalid},
	})
}

// NOT goes between the object path and the operator, nowhere else.
func TestNotPlacement(t *testing.T) {
	runCases(t, loadFile(t, "values.json"), []evalCase{
		{"[x-test:int NOT > 6]", match},
		{"[x-test:int NOT >= 6]", match},
		{"[x-test:int NOT <= 4]", match},
		{"[x-test:int NOT <> 5]", match},
		{"[x-test:int NOT IN (1, 2)]", match},
		{"[x-test:string NOT ISSUBSET '1.2.3.4']", badData},
		{"[NOT x-test:int = 5]", invalid},
		{"[x-test:int = NOT 5]", invalid},
		{"[x-test:int NOT NOT = 5]", invalid},
		{"[x-test:int NOT]", invalid},
		{"NOT [x-test:int = 5]", invalid},
		{"[x-test:int = 5] NOT AND [x-test:int = 5]", invalid},
	})
}
