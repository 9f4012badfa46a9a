package reach

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strings"
)

// hashMagic starts a hashed known_hosts host (OpenSSH hostfile.h HASH_MAGIC).
const hashMagic = "|1|"

// MatchesHashed reports whether the hashed known_hosts host entry
// ("|1|base64 salt|base64 hash", as `ssh-keygen -H` and HashKnownHosts
// write it) names host. As in OpenSSH (hostfile.c host_hash) the hash is
// HMAC-SHA1 keyed with the 20-byte salt over the name; ssh looks a name up
// in lower case, and for a port other than 22 as "[host]:port", so pass
// host that way. A malformed entry matches nothing.
func MatchesHashed(entry, host string) bool {
	rest, ok := strings.CutPrefix(entry, hashMagic)
	if !ok {
		return false
	}
	salt64, hash64, ok := strings.Cut(rest, "|")
	if !ok {
		return false
	}
	salt, err1 := base64.StdEncoding.DecodeString(salt64)
	want, err2 := base64.StdEncoding.DecodeString(hash64)
	if err1 != nil || err2 != nil || len(salt) != sha1.Size || len(want) != sha1.Size {
		return false
	}
	m := hmac.New(sha1.New, salt)
	m.Write([]byte(strings.ToLower(host)))
	return hmac.Equal(m.Sum(nil), want)
}
