package windows

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
)

// HostFacts names a Windows image's machine and system, read from its
// SOFTWARE and SYSTEM hives.
type HostFacts struct {
	// ComputerName is the NetBIOS name from the current control set.
	ComputerName string
	// ProductName, DisplayVersion (e.g. 22H2), CurrentBuild and UBR (the
	// update build revision) come from SOFTWARE\Microsoft\Windows NT\CurrentVersion.
	ProductName    string
	DisplayVersion string
	CurrentBuild   string
	UBR            uint64
	// Arch is x64, x86, arm64 or ia64 (from PROCESSOR_ARCHITECTURE), or "".
	Arch string
}

// OSVersion is a one-line description such as
// "Windows 10 Pro 22H2 (build 19045.3803)". Windows 11 keeps "Windows 10"
// in ProductName; a build of 22000 or later is named Windows 11 here.
func (f HostFacts) OSVersion() string {
	name := f.ProductName
	if b, err := strconv.Atoi(f.CurrentBuild); err == nil && b >= 22000 && strings.HasPrefix(name, "Windows 10") {
		name = "Windows 11" + strings.TrimPrefix(name, "Windows 10")
	}
	parts := []string{}
	for _, p := range []string{name, f.DisplayVersion} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if f.CurrentBuild != "" {
		build := f.CurrentBuild
		if f.UBR != 0 {
			build += "." + strconv.FormatUint(f.UBR, 10)
		}
		parts = append(parts, "(build "+build+")")
	}
	return strings.Join(parts, " ")
}

var systemHivePath = "Windows/System32/config/SYSTEM"

// HostInfo reads the host facts of the Windows image in fsys (confined to
// the image root). It returns whatever it could read; err says what it
// could not (a missing or corrupt hive), so a partial result is usable.
func HostInfo(fsys fs.FS) (HostFacts, error) {
	var f HostFacts
	errSoft := withHive(fsys, strings.Join(softwareHivePath, "/"), func(root *key) error {
		return f.readSoftware(root)
	})
	errSys := withHive(fsys, systemHivePath, func(root *key) error {
		return f.readSystem(root)
	})
	return f, errors.Join(errSoft, errSys)
}

// withHive finds, reads and opens one hive of the image and runs fn on its
// root key, guarding against parser panics.
func withHive(fsys fs.FS, name string, fn func(root *key) error) error {
	rel, err := collect.FindFold(fsys, name)
	if err != nil {
		return fmt.Errorf("hive %s: %w", name, err)
	}
	// A dirty hive is recovered from its logs; the collector reports how.
	data, _, err := loadHive(fsys, rel, MaxHiveSize)
	if err != nil {
		return err
	}
	err = safely(func() error { return parseHostHive(data, fn) })
	if err != nil {
		return fmt.Errorf("hive %s: %w", rel, err)
	}
	return nil
}

func parseHostHive(data []byte, fn func(root *key) error) error {
	h, err := openHive(data)
	if err != nil {
		return err
	}
	root, err := h.root()
	if err != nil {
		return fmt.Errorf("root key: %w", err)
	}
	return fn(root)
}

// readSoftware reads Microsoft\Windows NT\CurrentVersion.
func (f *HostFacts) readSoftware(root *key) error {
	cv, err := root.open("Microsoft", "Windows NT", "CurrentVersion")
	if cv == nil {
		return errors.Join(errors.New(`no key Microsoft\Windows NT\CurrentVersion`), err)
	}
	str := func(n string) string { s, _ := cv.stringValue(n); return strings.TrimSpace(s) }
	f.ProductName = str("ProductName")
	f.DisplayVersion = str("DisplayVersion")
	if f.DisplayVersion == "" {
		f.DisplayVersion = str("ReleaseId") // before Windows 10 20H2
	}
	f.CurrentBuild = str("CurrentBuild")
	if f.CurrentBuild == "" {
		f.CurrentBuild = str("CurrentBuildNumber")
	}
	f.UBR, _ = cv.intValue("UBR")
	return errors.Join(cv.errs...)
}

// readSystem reads the computer name and processor architecture from the
// control set that Select\Current names (ControlSet001 without it).
func (f *HostFacts) readSystem(root *key) error {
	cs := "ControlSet001"
	if sel, _ := root.open("Select"); sel != nil {
		if cur, ok := sel.intValue("Current"); ok && cur > 0 && cur < 1000 {
			cs = fmt.Sprintf("ControlSet%03d", cur)
		}
	}
	cn, err := root.open(cs, "Control", "ComputerName", "ComputerName")
	if cn == nil {
		return errors.Join(fmt.Errorf(`no key %s\Control\ComputerName\ComputerName`, cs), err)
	}
	f.ComputerName, _ = cn.stringValue("ComputerName")
	f.ComputerName = strings.TrimSpace(f.ComputerName)
	errs := cn.errs
	if env, _ := root.open(cs, "Control", "Session Manager", "Environment"); env != nil {
		pa, _ := env.stringValue("PROCESSOR_ARCHITECTURE")
		f.Arch = archName(pa)
		errs = append(errs, env.errs...)
	}
	return errors.Join(errs...)
}

func archName(pa string) string {
	switch strings.ToUpper(strings.TrimSpace(pa)) {
	case "AMD64":
		return "x64"
	case "X86":
		return "x86"
	case "ARM64":
		return "arm64"
	case "IA64":
		return "ia64"
	}
	return ""
}
