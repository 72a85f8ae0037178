package cloud

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func fdNamed(ns, name string) *v1alpha1.FlaskDeployment {
	return &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestShortName(t *testing.T) {
	tests := []struct {
		name, ns, obj, suffix string
		max                   int
		want                  string
	}{
		{name: "fits", ns: "dev", obj: "shop", suffix: "alb", max: 32, want: "dev-shop-alb"},
		{name: "exactly max", ns: "abcdefghij", obj: "klmnopqrst", suffix: "uvwxyz1234", max: 32, want: "abcdefghij-klmnopqrst-uvwxyz1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShortName(fdNamed(tt.ns, tt.obj), tt.suffix, tt.max); got != tt.want {
				t.Fatalf("ShortName = %q, want %q", got, tt.want)
			}
		})
	}

	long1 := ShortName(fdNamed("production-namespace", "customer-portal-frontend"), "alb", 32)
	long2 := ShortName(fdNamed("production-namespace", "customer-portal-frontend-v2"), "alb", 32)
	for _, n := range []string{long1, long2} {
		if len(n) > 32 || !strings.HasPrefix(n, "production-namespace-cu") {
			t.Fatalf("long name %q: want at most 32 characters with the readable prefix", n)
		}
	}
	if long1 == long2 {
		t.Fatalf("two different long names were cut to the same %q", long1)
	}
}
