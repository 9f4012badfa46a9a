// Package snapshot is the inventory model: what a collector saw on one machine
// at one time. It is a leaf package (standard library only) shared by the
// scanner, the matcher, the server and the tracer.
package snapshot

import (
	"strings"
	"time"
)

// Schema is the version tag written in every snapshot. Bump the suffix on any
// incompatible change; additive fields keep the version.
const Schema = "cascade.snapshot/v1"

// Snapshot is one machine's inventory at one time.
type Snapshot struct {
	Schema    string     `json:"schema"`
	ID        string     `json:"id"`
	Host      Host       `json:"host"`
	Roots     []string   `json:"roots,omitempty"`
	Software  []Software `json:"software"`
	Files     []File     `json:"files"`
	Artifacts []Artifact `json:"artifacts"`
	Stats     Stats      `json:"stats"`
	// Skipped counts files and directories not examined, by reason.
	Skipped map[string]int64 `json:"skipped,omitempty"`
	// Errors are per-path problems; none of them stopped the collection.
	Errors []PathError `json:"errors,omitempty"`
}

// Host identifies the machine or image a snapshot describes.
type Host struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	OS          string    `json:"os"` // windows | macos | linux | unknown
	OSVersion   string    `json:"os_version,omitempty"`
	Arch        string    `json:"arch,omitempty"`
	Source      string    `json:"source"` // live | image
	CollectedAt time.Time `json:"collected_at"`
	Collector   string    `json:"collector"` // "cascade/<version>"
}

// Stats describes the collection itself.
type Stats struct {
	Started     time.Time `json:"started"`
	DurationMS  int64     `json:"duration_ms"`
	Dirs        int64     `json:"dirs"`
	FilesSeen   int64     `json:"files_seen"`
	FilesHashed int64     `json:"files_hashed"`
	FilesCached int64     `json:"files_cached"`
	BytesHashed int64     `json:"bytes_hashed"`
	// FilesPartial is true when the snapshot lists only the files that
	// matched intel (a scan that did not ask for the full inventory).
	FilesPartial bool `json:"files_partial,omitempty"`
}

// Scope of a software installation.
const (
	ScopeMachine = "machine"
	ScopeUser    = "user"
)

// Software is one installed product or package.
type Software struct {
	Name string `json:"name"`
	// Identifier is the ecosystem's own key: a bundle id, a package name, a
	// registry key name. Optional.
	Identifier string `json:"identifier,omitempty"`
	Vendor     string `json:"vendor,omitempty"`
	Version    string `json:"version,omitempty"`
	// BuildVersion carries a second version where the ecosystem has one
	// (macOS CFBundleVersion).
	BuildVersion string `json:"build_version,omitempty"`
	Arch         string `json:"arch,omitempty"`
	// SourcePackage names the source package a binary package was built
	// from (dpkg Source, the rpm source rpm's name, apk origin), so an
	// advisory about xz-utils also finds liblzma5. Empty when unknown or
	// when the record leaves it out because it equals Name (dpkg); a
	// matcher should read an empty value as Name.
	SourcePackage string `json:"source_package,omitempty"`
	// Platform is windows | macos | linux.
	Platform string `json:"platform,omitempty"`
	// Ecosystem names the package world: windows, macos-app, macos-pkg
	// (an installer package receipt), dpkg, rpm, apk, npm, pypi, sbom.
	Ecosystem string `json:"ecosystem"`
	Scope     string `json:"scope,omitempty"` // machine | user
	User      string `json:"user,omitempty"`
	// Source says where the record was read, e.g.
	// `registry:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{…}` or `dpkg:/var/lib/dpkg/status`.
	Source      string     `json:"source"`
	InstallPath string     `json:"install_path,omitempty"`
	InstallDate *time.Time `json:"install_date,omitempty"`
	// InstallDateFrom names the record the install date was read from:
	// "registry InstallDate", "dpkg.log", "rpm INSTALLTIME", "receipt
	// InstallDate" (a macOS receipt; "receipt <id> InstallDate" on the app
	// bundle that receipt's package installed), a file's mtime.
	InstallDateFrom string `json:"install_date_from,omitempty"`
}

// File types detected by magic number.
const (
	TypePE     = "pe"
	TypeELF    = "elf"
	TypeMachO  = "macho"
	TypeOLE    = "ole" // MSI and other compound files
	TypeMSI    = "msi"
	TypeZIP    = "zip"
	TypeDMG    = "dmg"
	TypeScript = "script"
	TypeOther  = "other"
)

// File is one regular file that was examined.
type File struct {
	// Path is the file's path as the scanned system names it (C:\… for a
	// Windows image, /… otherwise).
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	// BirthTime is when the file was created on the filesystem it was
	// read from (statx btime, APFS birth time, NTFS creation time), where
	// the OS reports one; a mounted image's own. Not a content fact.
	BirthTime time.Time `json:"btime,omitzero"`
	Type      string    `json:"type"`
	SHA256    string    `json:"sha256,omitempty"`
	SHA1      string    `json:"sha1,omitempty"`
	MD5       string    `json:"md5,omitempty"`
	// User owns the profile the file lives in, when it is in one.
	User string `json:"user,omitempty"`
	// Meta holds format facts: PE version resources, MSI product properties.
	Meta map[string]string `json:"meta,omitempty"`
	// Signatures are the code signatures the file carries (PE, MSI, Mach-O).
	Signatures []Signature `json:"signatures,omitempty"`
	// Anomalies are structural findings about the file itself, such as data
	// appended inside a signature.
	Anomalies []Anomaly `json:"anomalies,omitempty"`
	// YARA are the YARA rules that matched the file's content.
	YARA []YARAMatch `json:"yara,omitempty"`
}

// YARAMatch is one YARA rule that matched a file: the rule, where it came
// from, its score and the strings that matched (as yara -s prints them,
// capped).
type YARAMatch struct {
	Rule      string `json:"rule"`
	Namespace string `json:"namespace"`
	// Indicator is the ID of the intel indicator that carries the rule's
	// source (a rule file, a STIX indicator, a MISP attribute).
	Indicator string   `json:"indicator"`
	Tags      []string `json:"tags,omitempty"`
	// Description and Reference are the rule's metadata of those names.
	Description string `json:"description,omitempty"`
	Reference   string `json:"reference,omitempty"`
	// Score is the rule's `score` metadata; 0 when it has none.
	Score   int               `json:"score,omitempty"`
	Strings []YARAStringMatch `json:"strings,omitempty"`
	// StringsCapped is set when more matches were found than are listed.
	StringsCapped bool `json:"strings_capped,omitempty"`
}

// YARAStringMatch is one match of a rule's string: its identifier, the
// file offset, the match length and the matched bytes (at most 64, with
// bytes outside printable ASCII as \xHH, as yara -s prints them).
type YARAStringMatch struct {
	Name   string `json:"name"`
	Offset int64  `json:"offset"`
	Length int    `json:"length"`
	Data   string `json:"data"`
}

// Artifact kinds.
const (
	ArtifactHostsEntry      = "hosts-entry"
	ArtifactBrowserVisit    = "browser-visit"
	ArtifactBrowserDownload = "browser-download"
	ArtifactDNSCache        = "dns-cache"
	// Reach evidence: what an endpoint records of the hosts its users
	// connect to (docs/snapshot.md). They are not indicators, but their
	// Domain and IP are matched like any artifact's.
	ArtifactSSHKnownHost  = "ssh-known-host"
	ArtifactSSHConfigHost = "ssh-config-host"
	ArtifactRDPServer     = "rdp-server"
	ArtifactPuTTYSession  = "putty-session"
	// Execution evidence: what Windows records of programs that ran or
	// were present (docs/snapshot.md). SHA1 (Amcache) and Path/Name are
	// matched like a file's.
	ArtifactAmcacheFile    = "amcache-file"
	ArtifactAmcacheProgram = "amcache-program"
	ArtifactPrefetch       = "prefetch"
	ArtifactShimcache      = "shimcache"
	ArtifactBAM            = "bam"
	ArtifactUserAssist     = "userassist"
	// ArtifactPersistence is an entry that starts a program again without
	// a user asking: a service, a Run key, a scheduled task, a launchd job,
	// a systemd unit, a cron line (Mechanism says which).
	ArtifactPersistence = "persistence"
	// Origin evidence: where a downloaded file came from.
	ArtifactQuarantineEvent = "quarantine-event" // macOS QuarantineEventsV2 row
	ArtifactZoneIdentifier  = "zone-identifier"  // Windows Zone.Identifier stream
)

// Persistence mechanisms (Artifact.Mechanism).
const (
	MechWindowsService = "windows-service"
	MechRunKey         = "run-key"
	MechWinlogon       = "winlogon"
	MechScheduledTask  = "scheduled-task"
	MechStartupFolder  = "startup-folder"
	MechLaunchd        = "launchd"
	MechLoginItem      = "login-item"
	MechSystemd        = "systemd"
	MechCron           = "cron"
	MechRCLocal        = "rc-local"
	MechShellProfile   = "shell-profile"
)

// Artifact is a trace of network contact or download, or of a host an
// endpoint's users connect to (the reach kinds).
type Artifact struct {
	Kind string `json:"kind"`
	// URL is the full address when there is one.
	URL string `json:"url,omitempty"`
	// Domain is the host name involved (lower case, no port).
	Domain string `json:"domain,omitempty"`
	IP     string `json:"ip,omitempty"`
	// TargetPath is the local file a download was saved to.
	TargetPath string `json:"target_path,omitempty"`
	Browser    string `json:"browser,omitempty"`
	User       string `json:"user,omitempty"`
	// Source is the file the artifact was read from.
	Source    string     `json:"source"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	LastSeen  *time.Time `json:"last_seen,omitempty"`
	Count     int        `json:"count,omitempty"`
	// Size is the byte count of a download, when the browser recorded it.
	Size int64 `json:"size,omitempty"`

	// The fields below are set by the reach kinds only.

	// Host is the remote host exactly as the record writes it: a known_hosts
	// pattern ("[10.0.0.5]:2222", "|1|salt|hash", "*.corp"), an ssh config
	// HostName, an RDP server ("srv01:3390"), a PuTTY HostName. Domain (a
	// literal name) or IP (an address) and Port are parsed from it; both stay
	// empty for a pattern or a hashed entry.
	Host string `json:"host,omitempty"`
	// Port is the remote port when the record gives one.
	Port int `json:"port,omitempty"`
	// Hashed is true for a known_hosts entry stored as |1|salt|hash (Host):
	// the name can only be tested, with reach.MatchesHashed.
	Hashed bool `json:"hashed,omitempty"`
	// Marker is a known_hosts line's @cert-authority or @revoked.
	Marker string `json:"marker,omitempty"`
	// Name is the record's own name: an ssh config Host pattern, a PuTTY
	// session, an RDP Default\MRUn value or Servers subkey.
	Name string `json:"name,omitempty"`
	// RemoteUser is the account used on the remote host (ssh config User,
	// RDP UsernameHint, PuTTY UserName).
	RemoteUser string `json:"remote_user,omitempty"`
	// Via is the jump host an ssh config ProxyJump names, as written.
	Via string `json:"via,omitempty"`
	// TimeFrom names what LastSeen is for the reach kinds: "file mtime"
	// (the file's last change, not this entry's: files of these formats
	// keep no time per line) or "key last-write" (the registry key's).
	TimeFrom string `json:"time_from,omitempty"`

	// The fields below are set by the execution kinds only.

	// Path is the program's full path as the record writes it (Amcache
	// LowerCaseLongPath, a Shimcache or BAM path, a UserAssist name with
	// its known-folder GUID resolved where possible).
	Path string `json:"path,omitempty"`
	// SHA1 is the digest Amcache recorded for the file (lower-case hex),
	// which outlives the file itself.
	SHA1 string `json:"sha1,omitempty"`
	// FileVersion, Publisher and Product are the version-resource facts
	// Amcache recorded.
	FileVersion string `json:"file_version,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
	Product     string `json:"product,omitempty"`
	// LinkTime is the PE header's link (compile) time Amcache recorded.
	LinkTime *time.Time `json:"link_time,omitempty"`
	// RunTimes are a Prefetch file's last run times, newest first.
	RunTimes []time.Time `json:"run_times,omitempty"`
	// Executed is a Shimcache entry's execution flag where the format has
	// one (Windows 7/8): "yes" or "no"; empty when the format has none.
	Executed string `json:"executed,omitempty"`
	// Volumes are a Prefetch file's volumes ("device path serial XXXXXXXX").
	Volumes []string `json:"volumes,omitempty"`
	// Files are the file names a Prefetch file references (capped);
	// FilesTotal is how many it holds.
	Files      []string `json:"files,omitempty"`
	FilesTotal int      `json:"files_total,omitempty"`
	// The fields below are set by the persistence and origin kinds.

	// Mechanism is a persistence entry's kind (Mech* constants).
	Mechanism string `json:"mechanism,omitempty"`
	// Command is the program a persistence entry starts, as written
	// (environment variables and quotes left as they are).
	Command string `json:"command,omitempty"`
	// Args are the arguments given to Command, as written.
	Args string `json:"args,omitempty"`
	// ProgramPath is Command resolved to a path of the scanned system
	// (C:\… or /…), when it could be; the file's own record, when the
	// walk met it, has the same Path.
	ProgramPath string `json:"program_path,omitempty"`
	// RunAs is the account the program runs as, when the entry says:
	// a service's ObjectName, a task's principal, a cron line's user.
	RunAs string `json:"run_as,omitempty"`
	// Trigger says when it starts: "boot", "logon", a service's start
	// type, a cron schedule, a task's trigger list.
	Trigger string `json:"trigger,omitempty"`
	// Disabled is true when the entry is present but would not start
	// (a disabled service or task, a systemd unit not enabled).
	Disabled bool `json:"disabled,omitempty"`
	// Agent is the application that downloaded a file (quarantine
	// AgentName).
	Agent string `json:"agent,omitempty"`
	// OriginURL is the page a download was started from (quarantine
	// OriginURLString, Zone.Identifier ReferrerUrl).
	OriginURL string `json:"origin_url,omitempty"`
	// ZoneID is a Zone.Identifier's ZoneId (3 Internet, 4 Restricted);
	// 0 when absent (or the local zone, which downloads never carry).
	ZoneID int `json:"zone_id,omitempty"`
	// The fields below are set by the live-state kinds only.

	Process *Process    `json:"process,omitempty"`
	Conn    *Connection `json:"connection,omitempty"`
}

// PathError is a problem with one path that did not stop the collection,
// or, with a Stage starting "recover:", a note on how a damaged or
// unfinished file was read in full (a dirty registry hive replayed from
// its transaction logs).
type PathError struct {
	Path  string `json:"path"`
	Stage string `json:"stage"` // walk, read, hash, parse:<collector>, recover:<collector>
	Err   string `json:"error"`
}

// IsNote reports whether e records a recovery rather than a problem.
func (e PathError) IsNote() bool { return strings.HasPrefix(e.Stage, "recover:") }

// Problems counts the entries of errs that are problems, not notes.
func Problems(errs []PathError) int {
	n := 0
	for _, e := range errs {
		if !e.IsNote() {
			n++
		}
	}
	return n
}

// Live-state kinds: what was running on a live machine when it was
// scanned (docs/snapshot.md). An Artifact of such a kind carries its facts
// in Process or Conn; images never have them.
const (
	ArtifactProcess    = "process"
	ArtifactConnection = "connection"
)

// Process is one running process as a live sweep saw it.
type Process struct {
	PID  int `json:"pid"`
	PPID int `json:"ppid,omitempty"`
	// Name is the kernel's short name (Linux comm, the Windows executable
	// name, macOS p_comm).
	Name string `json:"name,omitempty"`
	// Image is the executable's path as the OS reports it; ImageDeleted is
	// set when the file was deleted or replaced after the process started
	// (Linux "(deleted)"). SHA256 is the image file's digest, taken from
	// its file record (empty when it could not be read).
	Image        string `json:"image,omitempty"`
	ImageDeleted bool   `json:"image_deleted,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
	// Cmdline is the command line, arguments joined by spaces, capped;
	// empty where the OS does not expose it without reading the process's
	// memory (Windows, macOS).
	Cmdline string `json:"cmdline,omitempty"`
	// User is the account name, or "uid N" when it has none.
	User  string     `json:"user,omitempty"`
	Start *time.Time `json:"start,omitempty"`
	// Modules are the other executable files mapped into the process
	// (shared libraries, DLLs), capped.
	Modules []string `json:"modules,omitempty"`
}

// Connection is one open socket as a live sweep saw it. The remote
// address is in the Artifact's IP and Port; no name is ever looked up.
type Connection struct {
	Protocol  string `json:"protocol"` // tcp, tcp6, udp, udp6
	LocalIP   string `json:"local_ip"`
	LocalPort int    `json:"local_port"`
	State     string `json:"state,omitempty"` // listen, established, …
	// PID owns the socket (0 when it could not be told); Image is that
	// process's executable.
	PID   int    `json:"pid,omitempty"`
	Image string `json:"image,omitempty"`
}
