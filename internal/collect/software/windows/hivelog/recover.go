package hivelog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Log is one transaction log file: its name for messages and its content.
type Log struct {
	Name string
	Data []byte
}

// Result says what Recover did to a hive.
type Result struct {
	// Dirty is set when the hive needed recovery; the rest is empty otherwise.
	Dirty bool
	// Why says how the base block showed the hive to be dirty.
	Why string
	// Applied counts the log entries (new format) or dirty pages (old
	// format) written over the hive, from the logs named in From.
	Applied   int
	OldFormat bool
	// FirstSeq and LastSeq are the sequence numbers of the first and last
	// entry applied (new format).
	FirstSeq, LastSeq uint32
	From              []string
	// BaseFrom names the log whose copy of the base block replaced the
	// hive's own, which had a wrong checksum.
	BaseFrom string
	// Left lists what was not applied, and why.
	Left []string
}

// String is a one-line account for a scan report.
func (r Result) String() string {
	if !r.Dirty {
		return "hive is clean"
	}
	var s strings.Builder
	fmt.Fprintf(&s, "dirty hive (%s)", r.Why)
	switch {
	case r.Applied == 0:
		s.WriteString(": no transaction log could be applied, so changes made since the hive was last written are not read")
	case r.OldFormat:
		fmt.Fprintf(&s, " recovered in memory: %s applied from %s", plural(r.Applied, "dirty page", "dirty pages"), strings.Join(r.From, ", "))
	default:
		fmt.Fprintf(&s, " recovered in memory: %s applied (sequence numbers %d to %d) from %s",
			plural(r.Applied, "log entry", "log entries"), r.FirstSeq, r.LastSeq, strings.Join(r.From, ", "))
	}
	if r.BaseFrom != "" {
		fmt.Fprintf(&s, "; base block taken from %s", r.BaseFrom)
	}
	for _, l := range r.Left {
		s.WriteString("; ")
		s.WriteString(l)
	}
	return s.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Recover returns hive as the kernel would load it: when the hive is dirty,
// the changes in its transaction logs are applied to a copy, in order,
// from the entry the hive's base block expects onwards. logs are the
// hive's .LOG1, .LOG2 and .LOG files in that order; empty or unused ones
// are fine. limit caps the size of the recovered hive in bytes. A clean
// hive comes back unchanged, without a copy. The error is only for a file
// that is not a hive at all; a dirty hive whose logs cannot be used comes
// back unchanged with Result saying why.
func Recover(hive []byte, logs []Log, limit int) ([]byte, Result, error) {
	pb, err := readBase(hive)
	if err != nil {
		return hive, Result{}, err
	}
	if !pb.dirty() {
		return hive, Result{}, nil
	}
	r := Result{Dirty: true, Why: fmt.Sprintf("sequence numbers %d and %d differ", pb.seq1, pb.seq2)}
	if !pb.sumOK {
		r.Why = "its base block checksum is wrong"
	}
	newLogs, oldLogs := classify(logs, &r)
	var entries []entry
	for _, i := range newLogs {
		es, stop := readEntries(i, logs[i].Data, limit)
		entries = append(entries, es...)
		if stop != "" {
			r.Left = append(r.Left, logs[i].Name+": "+stop)
		}
	}
	rec := recovery{hive: hive, logs: logs, limit: limit, res: &r, base: pb}
	if !pb.sumOK {
		rec.replaceBase(newLogs, oldLogs)
	}
	if out := rec.applyNew(entries); out != nil {
		return out, r, nil
	}
	if len(oldLogs) > 0 {
		if out := rec.applyOld(oldLogs); out != nil {
			return out, r, nil
		}
	}
	if len(logs) == 0 || len(newLogs)+len(oldLogs) == 0 {
		r.Left = append(r.Left, "no transaction log beside it holds log data")
	}
	return hive, r, nil
}

// classify sorts the logs by format, noting the ones that are neither.
func classify(logs []Log, r *Result) (newLogs, oldLogs []int) {
	for i, l := range logs {
		if len(l.Data) == 0 {
			continue // Windows 8.1 and later keep an empty .LOG
		}
		lb, err := readBase(l.Data)
		switch {
		case err != nil:
			r.Left = append(r.Left, fmt.Sprintf("%s: not a transaction log: %v", l.Name, err))
		case len(l.Data) >= sector+4 && bytes.Equal(l.Data[sector:sector+4], []byte("HvLE")) || lb.fileType == typeLogNew:
			newLogs = append(newLogs, i)
		case len(l.Data) >= sector+4 && bytes.Equal(l.Data[sector:sector+4], []byte("DIRT")):
			oldLogs = append(oldLogs, i)
		default:
			r.Left = append(r.Left, fmt.Sprintf("%s: holds no log entries and no dirty vector", l.Name))
		}
	}
	return newLogs, oldLogs
}

// recovery carries one hive's recovery state.
type recovery struct {
	hive    []byte
	logs    []Log
	limit   int
	res     *Result
	base    base   // the base block recovery starts from
	newBase []byte // a log's base block sector replacing the hive's, or nil
}

// replaceBase picks a log's copy of the base block for a hive whose own has
// a wrong checksum: the valid one whose entries start earliest.
func (rec *recovery) replaceBase(newLogs, oldLogs []int) {
	best := -1
	var bb base
	for _, i := range append(append([]int(nil), newLogs...), oldLogs...) {
		lb, err := readBase(rec.logs[i].Data)
		if err != nil || !lb.sumOK || best >= 0 && lb.seq2 >= bb.seq2 {
			continue
		}
		best, bb = i, lb
	}
	if best < 0 {
		if len(newLogs)+len(oldLogs) > 0 {
			rec.res.Left = append(rec.res.Left, "no log holds a valid copy of the base block, so the hive's own was used")
		}
		return
	}
	rec.base, rec.newBase = bb, rec.logs[best].Data[:sector]
	rec.res.BaseFrom = rec.logs[best].Name
}

// applyNew applies the chain of entries that starts at the first sequence
// number at or after the base block's secondary one and goes on while the
// next number is found, in either log. It returns nil when there is none.
func (rec *recovery) applyNew(entries []entry) []byte {
	start := rec.base.seq2
	first := -1
	for i, e := range entries {
		if e.seq >= start && (first < 0 || e.seq < entries[first].seq) {
			first = i
		}
	}
	if first < 0 {
		if len(entries) > 0 {
			rec.res.Left = append(rec.res.Left, fmt.Sprintf("every log entry predates sequence number %d (already written to the hive)", start))
		}
		return nil
	}
	bySeq := map[uint32]int{}
	for i, e := range entries {
		if _, ok := bySeq[e.seq]; !ok {
			bySeq[e.seq] = i
		}
	}
	var chain []entry
	size := len(rec.hive)
	for seq := entries[first].seq; ; seq++ {
		i, ok := bySeq[seq]
		if !ok {
			break
		}
		chain = append(chain, entries[i])
		size = max(size, baseSize+int(entries[i].bins))
	}
	if got := chain[0].seq; got != start {
		rec.res.Left = append(rec.res.Left, fmt.Sprintf("entries %d to %d are not in the logs (written to the hive already, or lost)", start, got-1))
	}
	buf := rec.copyHive(size)
	used := map[int]bool{}
	for _, e := range chain {
		for _, p := range e.pages {
			copy(buf[baseSize+int(p.off):], p.data)
		}
		used[e.log] = true
	}
	last := chain[len(chain)-1]
	rec.finish(buf, last.seq, last.bins, &last.flags)
	rec.res.Applied, rec.res.FirstSeq, rec.res.LastSeq = len(chain), chain[0].seq, last.seq
	for i := range rec.logs {
		if used[i] {
			rec.res.From = append(rec.res.From, rec.logs[i].Name)
		}
	}
	return buf
}

// copyHive copies the hive into a buffer of size bytes, with the
// replacement base block if there is one.
func (rec *recovery) copyHive(size int) []byte {
	buf := make([]byte, size)
	copy(buf, rec.hive)
	if rec.newBase != nil {
		copy(buf, rec.newBase)
	}
	return buf
}

// finish makes buf's base block describe the recovered hive: a clean
// primary file of bins bytes of hive bins at sequence number seq.
func (rec *recovery) finish(buf []byte, seq, bins uint32, flags *uint32) {
	binary.LittleEndian.PutUint32(buf[offSeq1:], seq)
	binary.LittleEndian.PutUint32(buf[offSeq2:], seq)
	binary.LittleEndian.PutUint32(buf[offType:], typeHive)
	binary.LittleEndian.PutUint32(buf[offBins:], bins)
	if flags != nil {
		binary.LittleEndian.PutUint32(buf[offFlags:], *flags)
	}
	setChecksum(buf)
}
