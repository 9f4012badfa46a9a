package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Vocabulary of the kinds of strings public rule sets look for: API
// names, paths, user agents, tool markers, registry keys, crypto
// constants. Generated rules draw from it so atoms are as selective (and
// as unselective) as real ones.
var words = []string{
	"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread", "NtUnmapViewOfSection", "IsDebuggerPresent",
	"GetProcAddress", "LoadLibraryA", "URLDownloadToFileA", "InternetOpenUrlA", "WinHttpSendRequest",
	"cmd.exe /c", "powershell -enc", "\\AppData\\Roaming\\", "Software\\Microsoft\\Windows\\CurrentVersion\\Run",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "/bin/sh -c", "/tmp/.X11-unix", "LD_PRELOAD", "/etc/ld.so.preload",
	"mimikatz", "sekurlsa::logonpasswords", "Invoke-Mimikatz", "ReflectiveLoader", "beacon.dll", "meterpreter",
	"stratum+tcp://", "xmrig", "cryptonight", "donate-level", "bitcoin", "wallet.dat", "keylogger", "screenshot",
	"GetAsyncKeyState", "SetWindowsHookExA", "DeleteShadowCopies", "vssadmin delete shadows", "bcdedit /set",
	"YOUR FILES HAVE BEEN ENCRYPTED", ".onion", "tor2web", "DECRYPT_INSTRUCTIONS", "RC4", "AES-256-CBC",
	"BEGIN RSA PRIVATE KEY", "ssh-rsa AAAA", "authorized_keys", "crontab -l", "chmod 777", "wget http://",
	"curl -fsSL", "base64 -d", "eval(base64_decode(", "document.write(unescape(", "ActiveXObject", "WScript.Shell",
	"Scripting.FileSystemObject", "HKEY_LOCAL_MACHINE", "SeDebugPrivilege", "lsass.exe", "svchost.exe -k",
	"rundll32.exe", "regsvr32 /s /u /i:", "mshta vbscript", "certutil -urlcache", "bitsadmin /transfer",
	"schtasks /create", "net user /add", "whoami /priv", "Global\\MsWinZonesCacheCounterMutexA", "kernel32.dll",
	"ntdll.dll", "advapi32.dll", "ws2_32.dll", "wininet.dll", "libc.so.6", "__libc_start_main", "ptrace",
	"PTRACE_TRACEME", "/proc/self/exe", "/dev/shm/", "iptables -F", "setenforce 0", "xz-utils", "liblzma",
	"3CXDesktopApp", "d3dcompiler_47.dll", "ffmpeg.dll", "X_TRADER", "SolarWinds.Orion", "OrionImprovement",
	"avsvmcloud.com", "sunburst", "ShadowPad", "PlugX", "Cobalt Strike", "%s%s%s%s", "%02x%02x%02x%02x",
	"0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", "PK\x03\x04",
	"This program cannot be run in DOS mode", "UPX0", "UPX1", ".themida", "VMProtect", "Enigma protector",
}

var textMods = []string{"", "", "", "nocase", "wide", "ascii wide", "fullword", "wide nocase", "ascii wide nocase",
	"xor(1-31)", "base64", "private"}

var regexes = []string{
	`/https?:\/\/[a-z0-9\-\.]{4,40}\/[a-z0-9_]{2,12}\.php/`,
	`/\b(cmd|powershell)\.exe\b/ nocase`,
	`/POST \/[a-z]{2,10}\.php HTTP\/1\.[01]/`,
	`/User-Agent: Mozilla\/[45]\.0/`,
	`/\\\\\.\\pipe\\[a-z0-9_]{4,20}/ nocase`,
	`/eval\s*\(\s*base64_decode/`,
	`/stratum\+(tcp|ssl):\/\//`,
	`/[a-z2-7]{16}\.onion\//`,
	`/Global\\[A-Za-z0-9_]{8,32}/ wide ascii`,
	`/\$[a-z]{1,8}\s*=\s*"[^"]{40,}"/`,
	`/LD_PRELOAD=\/[a-z\/]{4,40}\.so/`,
}

// generate writes n rules from a fixed seed.
func generate(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 42))
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "rule bench_%d : bench {\n  meta:\n    author = \"bench\"\n    score = %d\n  strings:\n", i, 40+r.IntN(60))
		k := 2 + r.IntN(5)
		for j := 0; j < k; j++ {
			switch x := r.IntN(10); {
			case x < 6:
				w := words[r.IntN(len(words))]
				if r.IntN(3) == 0 {
					w += fmt.Sprintf("%d", r.IntN(1000))
				}
				fmt.Fprintf(&b, "    $s%d = \"%s\" %s\n", j, quote(w), textMods[r.IntN(len(textMods))])
			case x < 9:
				fmt.Fprintf(&b, "    $h%d = { %s }\n", j, hexString(r))
			default:
				fmt.Fprintf(&b, "    $r%d = %s\n", j, regexes[r.IntN(len(regexes))])
			}
		}
		b.WriteString("  condition:\n    " + condition(r, k) + "\n}\n\n")
	}
	return b.String()
}

func quote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteString(`\` + string(c))
		case c < 32 || c > 126:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hexString makes a byte pattern with the usual wildcards, jumps and
// alternatives, drawn around x86 code idioms.
func hexString(r *rand.Rand) string {
	idioms := []string{"55 8B EC", "48 89 5C 24", "E8 ?? ?? ?? ??", "FF 15 ?? ?? ?? ??", "6A 00", "33 C0",
		"C3", "48 83 EC ??", "0F 1F 44 00 00", "B8 ?? ?? ?? ?? FF E0", "8B 4? ??", "( 74 | 75 ) ??", "68 ?? ?? ?? ??"}
	var parts []string
	for len(parts) < 3+r.IntN(4) {
		switch r.IntN(5) {
		case 0:
			parts = append(parts, fmt.Sprintf("[%d-%d]", r.IntN(4), 4+r.IntN(12)))
		default:
			if r.IntN(2) == 0 {
				parts = append(parts, idioms[r.IntN(len(idioms))])
			} else {
				parts = append(parts, fmt.Sprintf("%02X %02X %02X %02X", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256)))
			}
		}
	}
	if strings.HasPrefix(parts[0], "[") {
		parts[0] = "4D 5A"
	}
	if strings.HasPrefix(parts[len(parts)-1], "[") {
		parts = append(parts, "90")
	}
	return strings.Join(parts, " ")
}

func condition(r *rand.Rand, k int) string {
	switch r.IntN(6) {
	case 0:
		return "uint16(0) == 0x5a4d and 2 of them"
	case 1:
		return "any of them"
	case 2:
		return fmt.Sprintf("%d of them and filesize < 20MB", 1+r.IntN(k))
	case 3:
		return "uint32(0) == 0x464c457f and any of them"
	case 4:
		return "all of them"
	}
	return "for any of them : (# > 2)"
}
