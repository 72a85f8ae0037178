package awssim

import "testing"

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"main", "main", true},
		{"main", "mainline", false},
		{"release/*", "release/1.0", true},
		{"release/*", "release/1.0/rc1", false}, // * stays within a path segment
		{"release/**", "release/1.0/rc1", true},
		{"**", "any/thing/at/all", true},
		{"feature-?", "feature-a", true},
		{"feature-?", "feature-ab", false},
		{"v[0-9].*", "v1.2", true},
		{"v[!0-9]*", "v1", false},
		{"v[!0-9]*", "vx", true},
		{"{main,develop}", "develop", true},
		{"{main,develop}", "dev", false},
		{"hot\\*fix", "hot*fix", true},
		{"hot\\*fix", "hotxfix", false},
		{"a.b", "axb", false}, // regexp metacharacters are literal
		{"[unterminated", "[unterminated", false},
		{"{open", "{open", false},
	} {
		if got := globMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestPatternsAdmit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		patterns cpPatterns
		branch   string
		want     bool
	}{
		{"included", cpPatterns{Includes: []string{"main"}}, "main", true},
		{"not included", cpPatterns{Includes: []string{"main"}}, "dev", false},
		{"excludes win", cpPatterns{Includes: []string{"release/**"}, Excludes: []string{"release/old*"}}, "release/old-1", false},
		{"only excludes", cpPatterns{Excludes: []string{"wip/**"}}, "main", true},
		{"only excludes, excluded", cpPatterns{Excludes: []string{"wip/**"}}, "wip/x", false},
	} {
		if got := tc.patterns.admit(tc.branch); got != tc.want {
			t.Errorf("%s: admit(%q) = %v, want %v", tc.name, tc.branch, got, tc.want)
		}
	}
}
