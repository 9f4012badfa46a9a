// Package hivelog recovers a dirty Windows registry hive in memory from the
// transaction logs beside it, as the kernel does when it loads the hive.
//
// Since Windows 8.1 the kernel writes registry changes to NAME.LOG1 and
// NAME.LOG2 first and to the hive file itself later, so a hive copied from a
// running machine (a disk image, a file-system snapshot) often lacks its
// newest changes: a program installed minutes before the image was taken
// may exist only in the logs. Older Windows versions keep one NAME.LOG with
// a bitmap of dirty 512-byte pages.
//
// Recover never changes the files: it returns a new buffer holding the hive
// as it would be after replay, and a Result that says what was applied and
// what was left out and why. The logs are hostile input like the hive: every
// size and offset is checked against the file and against a caller's limit,
// and a log entry is applied only when both its Marvin32 hashes match.
//
// The layouts follow Maxim Suhanov's "Windows registry file format
// specification" (github.com/msuhanov/regf), sections "Format of
// transaction log files" and "Dirty state of a hive".
package hivelog
