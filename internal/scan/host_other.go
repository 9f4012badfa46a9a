//go:build !windows

package scan

// machineID is the machine id file's content (Linux), or "".
func machineID() string { return readMachineIDFile() }
