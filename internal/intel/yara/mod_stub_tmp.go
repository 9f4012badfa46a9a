package yara

func peModule() *module    { return nil }
func machoModule() *module { return nil }
