package admin

// CacheFamilyOf exports cacheFamilyOf to the package's tests: the family a key under prefix belongs to, by
// name, and whether clear-cache deletes it (fully or its values).
func CacheFamilyOf(prefix, key string) (name string, deleted, ok bool) {
	f, ok := cacheFamilyOf(prefix, key)
	return f.name, f.mode != clearKeep, ok
}
