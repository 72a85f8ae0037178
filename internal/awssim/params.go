package awssim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Params is a query-protocol form decoded into a tree, so flattened list encodings read
// naturally: "Filter.1.Value.2=x" is Get("Filter").List("")[0].Strings("Value")[1], and
// awsquery's "Tags.member.1.Key" lists the same way. All methods are nil-safe.
type Params struct {
	Value string
	Kids  map[string]*Params
}

// ParseParams builds the tree from form values.
func ParseParams(v url.Values) *Params {
	root := &Params{}
	for key, vals := range v {
		if len(vals) == 0 {
			continue
		}
		n := root
		for _, seg := range strings.Split(key, ".") {
			if n.Kids == nil {
				n.Kids = map[string]*Params{}
			}
			k, ok := n.Kids[seg]
			if !ok {
				k = &Params{}
				n.Kids[seg] = k
			}
			n = k
		}
		n.Value = vals[0]
	}
	return root
}

// Get returns the node at a dotted path ("" is p itself), or nil.
func (p *Params) Get(path string) *Params {
	if path == "" {
		return p
	}
	n := p
	for _, seg := range strings.Split(path, ".") {
		if n == nil || n.Kids == nil {
			return nil
		}
		n = n.Kids[seg]
	}
	return n
}

// String returns the value at path, or "".
func (p *Params) String(path string) string {
	if n := p.Get(path); n != nil {
		return n.Value
	}
	return ""
}

// Int returns the integer at path; ok is false when absent.
func (p *Params) Int(path string) (v int, ok bool, err error) {
	s := p.String(path)
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.Atoi(s)
	if err != nil {
		return 0, false, Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid", s, path)
	}
	return v, true, nil
}

// Bool returns the boolean at path; ok is false when absent.
func (p *Params) Bool(path string) (v, ok bool) {
	s := p.String(path)
	if s == "" {
		return false, false
	}
	return strings.EqualFold(s, "true"), true
}

// List returns the numbered children at path in index order. The "member" level of
// awsquery lists and the "item" level some serializers add are skipped.
func (p *Params) List(path string) []*Params {
	n := p.Get(path)
	if n == nil {
		return nil
	}
	for _, wrap := range []string{"member", "item", "Item"} {
		if k, ok := n.Kids[wrap]; ok {
			n = k
			break
		}
	}
	type indexed struct {
		i int
		n *Params
	}
	var items []indexed
	for k, v := range n.Kids {
		if i, err := strconv.Atoi(k); err == nil {
			items = append(items, indexed{i, v})
		}
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]*Params, len(items))
	for i, it := range items {
		out[i] = it.n
	}
	return out
}

// Strings returns a list of scalars at path ("VpcId.1", "VpcId.2", ...).
func (p *Params) Strings(path string) []string {
	var out []string
	for _, n := range p.List(path) {
		out = append(out, n.Value)
	}
	return out
}

// Map returns a list of key/value structs as a map, e.g. Map("Tag", "Key", "Value").
func (p *Params) Map(path, keyField, valueField string) map[string]string {
	items := p.List(path)
	if len(items) == 0 {
		return nil
	}
	out := make(map[string]string, len(items))
	for _, n := range items {
		out[n.String(keyField)] = n.String(valueField)
	}
	return out
}

// flatten lists every leaf as key=value, sorted, for request fingerprints.
func (p *Params) flatten(prefix string, out *[]string) {
	if p == nil {
		return
	}
	if p.Value != "" {
		*out = append(*out, prefix+"="+p.Value)
	}
	for k, v := range p.Kids {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		v.flatten(key, out)
	}
}
