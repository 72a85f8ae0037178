package awssim

import (
	"maps"
	"sort"
	"strings"
)

// TagStore maps a resource ID or ARN to its tags.
type TagStore map[string]map[string]string

// Set merges tags into a resource's tags.
func (s TagStore) Set(id string, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	if s[id] == nil {
		s[id] = map[string]string{}
	}
	maps.Copy(s[id], tags)
}

// Remove deletes keys from a resource's tags. values, when non-empty for a key, must match.
func (s TagStore) Remove(id string, tags map[string]string) {
	for k, v := range tags {
		if cur, ok := s[id][k]; ok && (v == "" || v == cur) {
			delete(s[id], k)
		}
	}
	if len(s[id]) == 0 {
		delete(s, id)
	}
}

// Get returns a copy of a resource's tags (nil when none).
func (s TagStore) Get(id string) map[string]string {
	if len(s[id]) == 0 {
		return nil
	}
	return maps.Clone(s[id])
}

// Forget drops a deleted resource's tags.
func (s TagStore) Forget(id string) { delete(s, id) }

// Filter is one EC2-style filter: Name with any of Values (wildcards * and ? allowed).
type Filter struct {
	Name   string
	Values []string
}

// ParseFilters reads "Filter.N.Name" / "Filter.N.Value.M" (EC2) lists at path.
func ParseFilters(p *Params, path string) []Filter {
	var out []Filter
	for _, n := range p.List(path) {
		vals := n.Strings("Value")
		if vals == nil {
			vals = n.Strings("Values")
		}
		out = append(out, Filter{Name: n.String("Name"), Values: vals})
	}
	return out
}

// MatchFilters reports whether a resource passes every filter. field returns the values of
// a resource-specific filter name and whether the name is supported; tag:Key, tag-key and
// tag-value are handled here. An unsupported name is InvalidParameterValue, as on AWS.
func MatchFilters(filters []Filter, tags map[string]string, field func(name string) ([]string, bool)) (bool, error) {
	for _, f := range filters {
		var have []string
		switch {
		case strings.HasPrefix(f.Name, "tag:"):
			if v, ok := tags[strings.TrimPrefix(f.Name, "tag:")]; ok {
				have = []string{v}
			}
		case f.Name == "tag-key":
			have = sortedKeys(tags)
		case f.Name == "tag-value":
			for _, k := range sortedKeys(tags) {
				have = append(have, tags[k])
			}
		default:
			vals, ok := field(f.Name)
			if !ok {
				return false, Errorf("InvalidParameterValue", "The filter '%s' is invalid", f.Name)
			}
			have = vals
		}
		if !anyMatch(f.Values, have) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, have []string) bool {
	for _, p := range patterns {
		for _, h := range have {
			if wildcard(p, h) {
				return true
			}
		}
	}
	return false
}

// wildcard matches AWS filter patterns: * any run, ? one character.
func wildcard(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcard(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcard(p[1:], s[1:])
	default:
		return s != "" && s[0] == p[0] && wildcard(p[1:], s[1:])
	}
}

// mergeTags returns have with add applied, and false when that would exceed the service's
// per-resource limit; the caller answers the limit in its service's own words.
func mergeTags(have, add map[string]string, limit int) (map[string]string, bool) {
	merged := maps.Clone(have)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, add)
	return merged, len(merged) <= limit
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
