package cloud

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func ownerOf(cluster, ns, name string) Owner {
	return NewOwner(cluster, &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
}

// rules are every name rule with the suffixes the stages use under it.
var rules = []struct {
	rule     NameRule
	suffixes []string
}{
	{ELBName, []string{"alb", "tg"}},
	{RoleName, []string{"exec", "build", "pipeline"}},
	{SecurityGroupName, []string{"alb", "tasks"}},
	{RepositoryName, []string{""}},
	{LogGroupName, []string{"ecs", "build"}},
	{ParameterName, []string{"repository-uri"}},
	{ECSName, []string{"cluster", "service", "task"}},
	{ProjectName, []string{"build"}},
	{PipelineName, []string{"pipeline"}},
	{BucketName, []string{"artifacts"}},
}

func TestNames(t *testing.T) {
	tests := []struct {
		name                string
		rule                NameRule
		cluster, ns, object string
		suffix              string
		want                string // "" : only check validity and that a hash was used
	}{
		{name: "seed ALB stays readable", rule: ELBName, cluster: "demo", ns: "default", object: "flask-app", suffix: "alb", want: "demo-default-flask-app-alb"},
		{name: "seed role", rule: RoleName, cluster: "demo", ns: "default", object: "flask-app", suffix: "exec", want: "demo-default-flask-app-exec"},
		{name: "seed repository", rule: RepositoryName, cluster: "demo", ns: "default", object: "flask-app", want: "demo/default/flask-app"},
		{name: "seed log group", rule: LogGroupName, cluster: "demo", ns: "default", object: "flask-app", suffix: "ecs", want: "/flaskops/demo/default/flask-app/ecs"},
		{name: "seed parameter", rule: ParameterName, cluster: "demo", ns: "default", object: "flask-app", suffix: "repository-uri", want: "/flaskops/demo/default/flask-app/repository-uri"},
		{name: "seed ECS cluster", rule: ECSName, cluster: "demo", ns: "default", object: "flask-app", suffix: "cluster", want: "demo_default_flask-app_cluster"},
		{name: "a dot is hashed for ELB", rule: ELBName, cluster: "demo", ns: "default", object: "my.app", suffix: "alb"},
		{name: "internal- prefix is never used", rule: ELBName, cluster: "internal", ns: "tools", object: "app", suffix: "alb"},
		{name: "a hyphen in the namespace is hashed", rule: ELBName, cluster: "c", ns: "internal-tools", object: "app", suffix: "alb"},
		{name: "a hyphen in the name is readable", rule: ELBName, cluster: "c", ns: "tools", object: "my-app", suffix: "alb", want: "c-tools-my-app-alb"},
		{name: "too long for ELB", rule: ELBName, cluster: "production", ns: "payments", object: "customer-portal", suffix: "alb"},
		{name: "sg- prefix", rule: SecurityGroupName, cluster: "sg", ns: "x", object: "y", suffix: "alb"},
		{name: "double hyphen in ECR", rule: RepositoryName, cluster: "c", ns: "ns", object: "a--b"},
		{name: "long S3", rule: BucketName, cluster: "cluster", ns: "namespace", object: strings.Repeat("n", 60), suffix: "artifacts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ownerOf(tt.cluster, tt.ns, tt.object).Name(tt.rule, tt.suffix)
			if !tt.rule.Valid(got) {
				t.Fatalf("%s name %q is not valid", tt.rule.Service, got)
			}
			if tt.want != "" && got != tt.want {
				t.Fatalf("name %q, want %q", got, tt.want)
			}
			if tt.want == "" && !strings.Contains(got, hashOf(tt.cluster, tt.ns, tt.object)) {
				t.Fatalf("name %q carries no hash", got)
			}
		})
	}
}

func TestScopedNameDependsOnScope(t *testing.T) {
	o := ownerOf("demo", "default", "app")
	a := o.ScopedName(BucketName, "artifacts", "111111111111", "us-east-1")
	b := o.ScopedName(BucketName, "artifacts", "111111111111", "eu-west-1")
	if a == b || !BucketName.Valid(a) || !BucketName.Valid(b) {
		t.Fatalf("bucket names %q and %q", a, b)
	}
}

func TestOwnerRefFitsATagValue(t *testing.T) {
	long := ownerOf("c", strings.Repeat("n", 63), strings.Repeat("a", 253))
	other := ownerOf("c", strings.Repeat("n", 63), strings.Repeat("a", 252)+"b")
	if len(long.Ref()) > maxTagValue || long.Ref() == other.Ref() {
		t.Fatalf("refs %q and %q", long.Ref(), other.Ref())
	}
	if got := ownerOf("c", "default", "app").Ref(); got != "default/app" {
		t.Fatalf("ref %q", got)
	}
}

// FuzzNames checks that every derived name is valid for its service and that two
// different (cluster, namespace, name) never share one.
func FuzzNames(f *testing.F) {
	f.Add("demo", "default", "app", "other", "default", "app")
	f.Add("c", "a-b", "c", "c", "a", "b-c")
	f.Add("c", "a", "b.c", "c", "a", "b-c")
	f.Add("internal", "tools", "app", "c", "internal-tools", "app")
	f.Add("c", strings.Repeat("x", 63), strings.Repeat("y.", 120)+"z", "c", strings.Repeat("x", 63), strings.Repeat("y.", 120)+"w")
	f.Fuzz(func(t *testing.T, c1, ns1, n1, c2, ns2, n2 string) {
		if !validIdentity(c1, ns1, n1) || !validIdentity(c2, ns2, n2) {
			t.Skip()
		}
		o1, o2 := ownerOf(c1, ns1, n1), ownerOf(c2, ns2, n2)
		same := c1 == c2 && ns1 == ns2 && n1 == n2
		for _, r := range rules {
			for _, s := range r.suffixes {
				a, b := o1.Name(r.rule, s), o2.Name(r.rule, s)
				if !r.rule.Valid(a) || !r.rule.Valid(b) {
					t.Fatalf("%s: invalid name %q or %q", r.rule.Service, a, b)
				}
				if !same && a == b {
					t.Fatalf("%s: %s/%s/%s and %s/%s/%s share the name %q", r.rule.Service, c1, ns1, n1, c2, ns2, n2, a)
				}
			}
		}
		if !same && c1 == c2 && o1.Ref() == o2.Ref() {
			t.Fatalf("owner tag %q shared by two objects", o1.Ref())
		}
		if len(o1.Ref()) > maxTagValue {
			t.Fatalf("owner tag %q too long", o1.Ref())
		}
	})
}

func validIdentity(cluster, ns, name string) bool {
	return len(validation.IsDNS1123Label(cluster)) == 0 && len(validation.IsDNS1123Label(ns)) == 0 &&
		len(validation.IsDNS1123Subdomain(name)) == 0
}

func TestClusterName(t *testing.T) {
	tests := []struct {
		name, flag string
		simulator  bool
		want       string
		wantErr    bool
	}{
		{name: "given", flag: "prod-eu", want: "prod-eu"},
		{name: "required against AWS", wantErr: true},
		{name: "local against a simulator", simulator: true, want: "local"},
		{name: "not a DNS label", flag: "Prod_EU", wantErr: true},
		{name: "too long for names", flag: strings.Repeat("c", 33), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClusterName(tt.flag, tt.simulator)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ClusterName(%q, %v) = %q, %v", tt.flag, tt.simulator, got, err)
			}
		})
	}
}
