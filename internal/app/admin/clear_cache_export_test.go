package admin

// CacheFamilyOf exports cacheFamilyOf to the package's tests: the family a key under prefix belongs to, by
// name, and whether clear-cache deletes it (fully or its values).
func CacheFamilyOf(prefix, key string) (name string, deleted, ok bool) {
	f, ok := cacheFamilyOf(prefix, key)
	return f.name, f.mode != clearKeep, ok
}

// CacheFamilyNames returns the name of every family clear-cache knows.
func CacheFamilyNames() []string {
	names := make([]string, len(cacheFamilies))
	for i, f := range cacheFamilies {
		names[i] = f.name
	}
	return names
}
