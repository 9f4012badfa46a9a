package yara

func machoModule() *module { return nil }
