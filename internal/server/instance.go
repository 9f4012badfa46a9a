package server

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// instanceFile names this server in hunt and feed leases. It lives in the
// data directory, so a server restarted after a crash (kill -9, power
// loss) is the same instance: it takes back at once the work it held,
// where another replica waits for the lease to run out. Replicas must
// not share a data directory.
const instanceFile = "instance-id"

// InstanceID returns the id stored in dir, creating it at first start.
func InstanceID(dir string) (string, error) {
	path := filepath.Join(dir, instanceFile)
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if id == "" || len(id) > 128 {
			return "", fmt.Errorf("%s: not an instance id; remove it to make a new one", path)
		}
		return id, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	host, _ := os.Hostname()
	id := "instance-" + newID()
	if host != "" && len(host) < 64 {
		id = host + "-" + newID()
	}
	if err := writeFileAtomic(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("instance id: %w", err)
	}
	return InstanceID(dir)
}

// writeFileAtomic writes data to a temporary file in path's directory,
// syncs it and renames it over path (syncing the directory), so path
// holds either nothing or all of data, also after a power failure.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	if err := f.Chmod(perm); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // not supported everywhere (Windows); the rename stands
		d.Close()
	}
	return nil
}
