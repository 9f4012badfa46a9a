package collect

// fsKindSkip: a Windows walk never leaves its volume, so there is nothing
// to classify.
func fsKindSkip(dirFD, string) string { return "" }
