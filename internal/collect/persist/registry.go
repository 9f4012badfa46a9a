package persist

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect"
	"github.com/cascade-ir/cascade/internal/collect/software/windows"
	"github.com/cascade-ir/cascade/internal/snapshot"
)

// Registry reads registry persistence from hive files: services in the
// SYSTEM hive's current control set; Run, RunOnce, RunOnceEx and
// Policies\Explorer\Run in SOFTWARE (both views) and in every user's
// NTUSER.DAT; Winlogon Shell and Userinit. Hives are read with the
// Windows collector's reader, recovered from their transaction logs when
// dirty. On live Windows the SYSTEM and SOFTWARE hives and the hives of
// logged-on users are locked; Live reads the same keys through the
// registry API.
type Registry struct{}

// NewRegistry returns the registry persistence collector.
func NewRegistry() *Registry { return &Registry{} }

// Name implements collect.PathCollector.
func (*Registry) Name() string { return "persist-registry" }

const (
	hiveNone = iota
	hiveSystem
	hiveSoftware
	hiveUser
)

func hiveOf(rel string) (int, string) {
	const cfg = "windows/system32/config/"
	if len(rel) > len(cfg) && strings.EqualFold(rel[:len(cfg)], cfg) {
		switch strings.ToUpper(rel[len(cfg):]) {
		case "SYSTEM":
			return hiveSystem, ""
		case "SOFTWARE":
			return hiveSoftware, ""
		}
		return hiveNone, ""
	}
	if user, ok := windows.UserHive(rel); ok {
		return hiveUser, user
	}
	return hiveNone, ""
}

// WantsPath implements collect.PathCollector.
func (*Registry) WantsPath(env *collect.Env, rel string) bool {
	kind, _ := hiveOf(rel)
	return kind != hiveNone && !(env.Live && env.OS == "windows" && kind != hiveUser)
}

// CollectPath implements collect.PathCollector.
func (*Registry) CollectPath(ctx context.Context, env *collect.Env, rel string, sink collect.Sink) error {
	kind, user := hiveOf(rel)
	fn := func(root *windows.Key) error {
		var errs []error
		add := func(a snapshot.Artifact) {
			setProgram(env, sink, &a, a.User, "")
			setNetwork(&a)
			sink.AddArtifact(a)
		}
		switch kind {
		case hiveSystem:
			errs = services(windows.AsRegKey(root), add)
		case hiveSoftware:
			errs = runKeys(windows.AsRegKey(root), `registry:HKLM\SOFTWARE\`, "", add)
		case hiveUser:
			errs = runKeys(windows.AsRegKey(root), `registry:HKU\`+user+`\`, user, add)
		}
		for _, err := range errs {
			sink.AddError(rel, stage, fmt.Errorf("hive %s: %w", rel, err))
		}
		return nil
	}
	var err error
	if kind == hiveUser {
		err = windows.ReadUserHive(ctx, env, rel, fn)
	} else {
		err = windows.ReadMachineHive(ctx, env, rel, fn)
	}
	switch {
	case errors.Is(err, windows.ErrHiveLoaded):
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		sink.AddError(rel, stage, fmt.Errorf("hive %s: %w", rel, err))
	}
	return nil
}

var startTypes = []string{"boot", "system", "auto", "demand", "disabled"}

// services reads ControlSet00N\Services\* of the control set that
// Select\Current names (ControlSet001 when Select is missing).
func services(root windows.RegKey, add func(snapshot.Artifact)) []error {
	var errs []error
	cur := uint64(1)
	if sel, err := root.Open("Select"); sel != nil {
		if n, ok := sel.Int("Current"); ok && n > 0 && n < 1000 {
			cur = n
		}
	} else if err != nil {
		errs = append(errs, err)
	}
	set := fmt.Sprintf("ControlSet%03d", cur)
	svcs, err := root.Open(set, "Services")
	if svcs == nil {
		return appendErr(errs, err)
	}
	subs, err := svcs.Subkeys()
	errs = appendErr(errs, err)
	for _, s := range subs {
		img, ok := s.String("ImagePath")
		dll := ""
		if p, _ := s.Open("Parameters"); p != nil {
			dll, _ = p.String("ServiceDll")
			errs = append(errs, p.Errs()...)
		}
		if !ok && dll == "" {
			continue
		}
		a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechWindowsService,
			Name: s.Name(), Source: `registry:HKLM\SYSTEM\` + set + `\Services\` + s.Name(),
			LastSeen: timePtr(s.LastWrite()), TimeFrom: TimeKeyLastWrite}
		a.RunAs, _ = s.String("ObjectName")
		if st, ok := s.Int("Start"); ok {
			if st < uint64(len(startTypes)) {
				a.Trigger = "start=" + startTypes[st]
			} else {
				a.Trigger = "start=" + strconv.FormatUint(st, 10)
			}
			a.Disabled = st == 4
		}
		if t, ok := s.Int("Type"); ok {
			a.Trigger += " type=0x" + strconv.FormatUint(t, 16)
		}
		a.Command, a.Args = splitWindows(img)
		if dll != "" { // the DLL is what runs inside svchost
			a.Args = strings.TrimSpace(a.Command + " " + a.Args)
			a.Command = dll
		}
		a.Command, a.Args = clip(a.Command), clip(a.Args)
		add(a)
		errs = append(errs, s.Errs()...)
	}
	return errs
}

// runPaths are the autostart keys below SOFTWARE (or a user's Software).
var runPaths = [][]string{
	{"Microsoft", "Windows", "CurrentVersion", "Run"},
	{"Microsoft", "Windows", "CurrentVersion", "RunOnce"},
	{"Microsoft", "Windows", "CurrentVersion", "Policies", "Explorer", "Run"},
	{"Wow6432Node", "Microsoft", "Windows", "CurrentVersion", "Run"},
	{"Wow6432Node", "Microsoft", "Windows", "CurrentVersion", "RunOnce"},
	{"Wow6432Node", "Microsoft", "Windows", "CurrentVersion", "Policies", "Explorer", "Run"},
}

var runOnceEx = [][]string{
	{"Microsoft", "Windows", "CurrentVersion", "RunOnceEx"},
	{"Wow6432Node", "Microsoft", "Windows", "CurrentVersion", "RunOnceEx"},
}

// runKeys reads the Run keys and Winlogon below root: the SOFTWARE hive's
// root, or a user hive's root (whose keys are under Software).
func runKeys(root windows.RegKey, src, user string, add func(snapshot.Artifact)) []error {
	var errs []error
	soft := root
	if user != "" {
		s, err := root.Open("Software")
		if s == nil {
			return appendErr(errs, err)
		}
		soft, src = s, src+`Software\`
	}
	trigger := "logon"
	for _, p := range runPaths {
		k, err := soft.Open(p...)
		if err != nil {
			errs = append(errs, err)
		}
		if k != nil {
			errs = append(errs, values(k, src+strings.Join(p, `\`), user, trigger, add)...)
		}
	}
	for _, p := range runOnceEx {
		k, _ := soft.Open(p...)
		if k == nil {
			continue
		}
		subs, err := k.Subkeys()
		if err != nil {
			errs = append(errs, err)
		}
		for _, s := range subs {
			errs = append(errs, values(s, src+strings.Join(p, `\`)+`\`+s.Name(), user, trigger, add)...)
		}
	}
	if w, _ := soft.Open("Microsoft", "Windows NT", "CurrentVersion", "Winlogon"); w != nil {
		errs = append(errs, winlogon(w, src+`Microsoft\Windows NT\CurrentVersion\Winlogon`, user, add)...)
	}
	return errs
}

// values records each string value of a Run key as an entry.
func values(k windows.RegKey, src, user, trigger string, add func(snapshot.Artifact)) []error {
	names, err := k.ValueNames()
	for _, n := range names {
		v, ok := k.String(n)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechRunKey,
			Name: n, Source: src, User: user, RunAs: user, Trigger: trigger,
			LastSeen: timePtr(k.LastWrite()), TimeFrom: TimeKeyLastWrite}
		a.Command, a.Args = splitWindows(clip(v))
		add(a)
	}
	errs := k.Errs()
	if err != nil {
		errs = append(errs, err)
	}
	return errs
}

// winlogon records Shell and Userinit, each program of their comma lists.
func winlogon(k windows.RegKey, src, user string, add func(snapshot.Artifact)) []error {
	for _, n := range []string{"Shell", "Userinit"} {
		v, ok := k.String(n)
		if !ok {
			continue
		}
		for i, part := range strings.Split(clip(v), ",") {
			if strings.TrimSpace(part) == "" || i >= 16 {
				continue
			}
			a := snapshot.Artifact{Kind: snapshot.ArtifactPersistence, Mechanism: snapshot.MechWinlogon,
				Name: n, Source: src, User: user, RunAs: user, Trigger: "logon",
				LastSeen: timePtr(k.LastWrite()), TimeFrom: TimeKeyLastWrite}
			a.Command, a.Args = splitWindows(part)
			add(a)
		}
	}
	return k.Errs()
}

// appendErr appends err when it is one.
func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}
