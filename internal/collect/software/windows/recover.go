package windows

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect/software/windows/hivelog"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// logSuffixes name a hive's transaction logs, in the order recovery reads
// them: NAME.LOG1 and NAME.LOG2 since Windows 8.1, NAME.LOG before.
var logSuffixes = []string{".LOG1", ".LOG2", ".LOG"}

// maxLogSize caps one transaction log read. Logs are usually a few MiB
// (the kernel starts them over once the hive is written back); the cap
// keeps a hive and its logs within a few times MaxHiveSize of memory.
const maxLogSize = MaxHiveSize / 2

// recoverStage is the PathError stage of a dirty hive recovered in full: a
// note for the reader, not a problem (snapshot.PathError.IsNote).
const recoverStage = "recover:windows-registry"

// hiveNote says how a dirty hive was read.
type hiveNote struct {
	err error
	// complete: the logs were applied and nothing was left out.
	complete bool
	// primary is the hive file as it is on disk, when logs were applied
	// to it: the state before them, to tell what they changed.
	primary []byte
}

// stage is where the note goes in the snapshot's per-path list.
func (n *hiveNote) stage() string {
	if n.complete {
		return recoverStage
	}
	return stage
}

// loadHive reads the hive at rel and returns it as Windows would load it:
// when its base block shows it dirty, the transaction logs beside it are
// read and replayed in memory (the files are never changed). note, when
// not nil, says how a dirty hive was recovered or why it could not be; the
// hive is usable either way. err is for a hive that could not be read.
func loadHive(fsys fs.FS, rel string, limit int64) (data []byte, note *hiveNote, err error) {
	data, err = readHiveFile(fsys, rel, limit)
	if err != nil || !hivelog.NeedsRecovery(data) {
		return data, nil, err
	}
	logs, problems := readLogs(fsys, rel, min(limit, maxLogSize))
	out, res, err := hivelog.Recover(data, logs, int(limit))
	if err != nil { // not reached: NeedsRecovery read the base block
		return data, nil, err
	}
	msg := res.String()
	if len(problems) > 0 {
		msg += "; " + strings.Join(problems, "; ")
	}
	note = &hiveNote{err: errors.New(msg), complete: res.Applied > 0 && len(res.Left) == 0 && len(problems) == 0}
	if res.Applied > 0 {
		note.primary = data
	}
	return out, note, nil
}

// maxChangesListed caps the entries named per kind of change in a note.
const maxChangesListed = 10

// describeChanges says which Uninstall entries a hive's logs add, remove or
// change: what an analyst reading only the hive file would get wrong, and
// often the newest installs and removals on the machine. Entries are keyed
// by their registry path.
func describeChanges(before, after []snapshot.Software) string {
	was := map[string]snapshot.Software{}
	for _, s := range before {
		was[s.Source] = s
	}
	var added, changed, removed []string
	for _, s := range after {
		old, ok := was[s.Source]
		delete(was, s.Source)
		switch {
		case !ok:
			added = append(added, label(s))
		case old.Name != s.Name || old.Version != s.Version:
			changed = append(changed, label(old)+" to "+label(s))
		}
	}
	for _, s := range before {
		if _, ok := was[s.Source]; ok {
			removed = append(removed, label(s))
		}
	}
	var parts []string
	for _, c := range []struct {
		verb  string
		names []string
	}{{"add", added}, {"change", changed}, {"remove", removed}} {
		if len(c.names) == 0 {
			continue
		}
		list := strings.Join(c.names[:min(len(c.names), maxChangesListed)], ", ")
		if n := len(c.names) - maxChangesListed; n > 0 {
			list += fmt.Sprintf(" and %d more", n)
		}
		parts = append(parts, c.verb+" "+list)
	}
	if len(parts) == 0 {
		return ""
	}
	return "the logs " + strings.Join(parts, "; ")
}

func label(s snapshot.Software) string { return strings.TrimSpace(s.Name + " " + s.Version) }

// readLogs reads the transaction logs beside the hive at rel, matching
// their names without regard to case (NTUSER.DAT has ntuser.dat.LOG1).
// Logs that cannot be read are left out and described in problems.
func readLogs(fsys fs.FS, rel string, limit int64) (logs []hivelog.Log, problems []string) {
	dir, name := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, []string{fmt.Sprintf("listing %s for its transaction logs: %v", dir, err)}
	}
	for _, suffix := range logSuffixes {
		for _, e := range entries {
			if !strings.EqualFold(e.Name(), name+suffix) {
				continue
			}
			p := path.Join(dir, e.Name())
			b, err := readRegFile(fsys, p, "transaction log", limit)
			if err != nil {
				problems = append(problems, err.Error())
				break
			}
			logs = append(logs, hivelog.Log{Name: e.Name(), Data: b})
			break
		}
	}
	return logs, problems
}
