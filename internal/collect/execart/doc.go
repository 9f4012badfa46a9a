// Package execart reads Windows Prefetch files (execution evidence: which
// program ran, how often and when last), in every format version from
// Windows XP (17) to Windows 11 (31), including the compressed container
// ("MAM\x04", LZXPRESS Huffman, [MS-XCA] §2.1–2.2) that Windows 10 and 11
// write. It decodes the container itself: the format is hostile input, and
// every size and count it declares is checked and capped.
//
// The registry-held execution evidence (Amcache, Shimcache, BAM,
// UserAssist) is read by the Windows registry package, whose hive reader
// it needs.
package execart
