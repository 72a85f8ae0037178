package network

// setByZone puts e into a per-zone status list and returns the list ordered as zones.
// key tells an entry's zone and whether it still names something that exists; entries
// that do not are dropped, so status only lists what is there.
func setByZone[T any](list []T, zones []string, e T, key func(T) (zone string, exists bool)) []T {
	byZone := make(map[string]T, len(list)+1)
	for _, x := range list {
		z, _ := key(x)
		byZone[z] = x
	}
	z, _ := key(e)
	byZone[z] = e
	var out []T
	for _, z := range zones {
		if x, ok := byZone[z]; ok {
			if _, exists := key(x); exists {
				out = append(out, x)
			}
		}
	}
	return out
}
