package adminweb

// moveID returns ids with id moved one place up (towards the start) or down, and whether it moved: the first
// row cannot go up nor the last one down.
func moveID(ids []int64, id int64, up bool) ([]int64, bool) {
	out := append([]int64(nil), ids...)
	for i, v := range out {
		if v != id {
			continue
		}
		j := i + 1
		if up {
			j = i - 1
		}
		if j < 0 || j >= len(out) {
			return out, false
		}
		out[i], out[j] = out[j], out[i]
		return out, true
	}
	return out, false
}
