package windows

import "time"

// RegKey is a registry key read from a hive file (AsRegKey) or from the
// live registry (LiveKey, on Windows), so that a collector maps both to
// the same records with one piece of code. The persistence and reach
// collectors use it.
type RegKey interface {
	// Name is the key's own name.
	Name() string
	// LastWrite is the key's last-write time (UTC), zero when unknown.
	LastWrite() time.Time
	// Open follows path components below the key, without regard to
	// case; nil (and maybe an error) when one is absent.
	Open(path ...string) (RegKey, error)
	// Subkeys lists the subkeys; broken ones are left out and reported.
	Subkeys() ([]RegKey, error)
	ValueNames() ([]string, error)
	// String returns a REG_SZ or REG_EXPAND_SZ value without its NUL.
	String(name string) (string, bool)
	// Int returns a REG_DWORD, REG_DWORD_BIG_ENDIAN or REG_QWORD value.
	Int(name string) (uint64, bool)
	// Errs are the problems met decoding the key's values.
	Errs() []error
}

// AsRegKey returns k as a RegKey.
func AsRegKey(k *Key) RegKey { return hiveRegKey{k} }

// hiveRegKey adapts *Key to RegKey.
type hiveRegKey struct{ *Key }

func (k hiveRegKey) Open(path ...string) (RegKey, error) {
	sub, err := k.Key.Open(path...)
	if sub == nil {
		return nil, err
	}
	return hiveRegKey{sub}, err
}

func (k hiveRegKey) Subkeys() ([]RegKey, error) {
	subs, err := k.Key.Subkeys()
	out := make([]RegKey, len(subs))
	for i, s := range subs {
		out[i] = hiveRegKey{s}
	}
	return out, err
}
