package scan

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"runtime"
	"strings"

	"github.com/cascade-ir/cascade/internal/snapshot"
)

// LiveHost describes the running machine: its name and a stable id (the
// OS's machine id where there is one, else a digest of the name).
func LiveHost() snapshot.Host {
	name, _ := os.Hostname()
	id := machineID()
	if id == "" {
		sum := sha256.Sum256([]byte("host:" + name))
		id = hex.EncodeToString(sum[:16])
	}
	return snapshot.Host{ID: id, Name: name, Arch: runtime.GOARCH}
}

// machineIDFiles hold the systemd/D-Bus machine id on Linux.
var machineIDFiles = []string{"/etc/machine-id", "/var/lib/dbus/machine-id"}

func readMachineIDFile() string {
	for _, f := range machineIDFiles {
		if b, err := os.ReadFile(f); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id
			}
		}
	}
	return ""
}
