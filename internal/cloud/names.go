package cloud

import (
	"regexp"
	"strings"
)

// ContainerName is the name of the one container of a FlaskDeployment's task definition.
// The ecs stage names it; the CI/CD stage hands it to the build as CONTAINER_NAME, which
// the buildspec writes into imagedefinitions.json, so that the pipeline's ECS deploy
// replaces the image of that container. (The seed's stacks disagreed on it.)
const ContainerName = "app"

// NameRule is what one AWS service accepts as a name. Owner.Name derives a name from the
// manager's cluster, the object's namespace and name, and a per-resource suffix:
//
//   - readable, where it can be: the three parts and the suffix joined by the rule's
//     separator ("demo-default-app-alb", "demo_default_app_cluster",
//     "/flaskops/demo/default/app/ecs"). Kubernetes names never contain '_' or '/', so
//     those separators can always be told apart from the parts; with '-' a readable name
//     is used only when the cluster and namespace contain none, so that it splits one way.
//   - otherwise (too long, characters the service refuses, a reserved prefix, or a split
//     that would be ambiguous) a readable head, a hash of the three parts and the suffix:
//     "demo-my-app--3f2a1b9c0d-alb". Hashed names have fewer separators than readable ones
//     (or, with '-', a "--" that readable names never contain), so the two forms never meet.
//
// Two different (cluster, namespace, name) therefore never share a name; the fuzz test in
// names_test.go checks validity and injectivity.
type NameRule struct {
	// Service names the rule in messages.
	Service string
	max     int
	sep     string
	// prefix starts every name ("/flaskops/" for log groups and parameters).
	prefix string
	// marker joins the head and the hash of a hashed name.
	marker   string
	valid    *regexp.Regexp
	reserved []string
	// reservedSuffixes are endings the service refuses.
	reservedSuffixes []string
}

// The name rules of the services the operator names resources in.
var (
	// ELBName: load balancers and target groups: 32 characters, letters, digits and '-',
	// no '-' at either end, and no "internal-" at the start.
	ELBName = NameRule{Service: "Elastic Load Balancing", max: 32, sep: "-", marker: "--",
		valid: regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$`), reserved: []string{"internal-"}}
	// RoleName: IAM roles: 64 characters of [\w+=,.@-].
	RoleName = NameRule{Service: "IAM", max: 64, sep: "-", marker: "--",
		valid: regexp.MustCompile(`^[\w+=,.@-]+$`)}
	// SecurityGroupName: 255 printable ASCII characters, not starting with "sg-".
	SecurityGroupName = NameRule{Service: "EC2 security group", max: 255, sep: "-", marker: "--",
		valid: regexp.MustCompile(`^[\x20-\x7e]+$`), reserved: []string{"sg-"}}
	// RepositoryName: ECR: 256 lowercase characters, '/'-separated components of
	// letters and digits joined by single '.', '_' or '-'.
	RepositoryName = NameRule{Service: "ECR", max: 256, sep: "/", marker: "-",
		valid: regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)}
	// LogGroupName: CloudWatch Logs: 512 characters of [.-_/#A-Za-z0-9].
	LogGroupName = NameRule{Service: "CloudWatch Logs", max: 512, sep: "/", prefix: "/flaskops/", marker: "--",
		valid: regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`)}
	// ParameterName: SSM parameter paths (at most 15 levels, 1011 characters).
	ParameterName = NameRule{Service: "SSM", max: 1011, sep: "/", prefix: "/flaskops/", marker: "--",
		valid: regexp.MustCompile(`^/[a-zA-Z0-9_.\-]+(?:/[a-zA-Z0-9_.\-]+)*$`)}
	// ECSName: ECS clusters, services and task definition families: 255 of [A-Za-z0-9_-].
	ECSName = NameRule{Service: "ECS", max: 255, sep: "_", marker: "--",
		valid: regexp.MustCompile(`^[A-Za-z0-9_-]+$`)}
	// ProjectName: CodeBuild projects: 2–150 characters, a letter or digit first, then
	// [A-Za-z0-9_-].
	ProjectName = NameRule{Service: "CodeBuild", max: 150, sep: "_", marker: "--",
		valid: regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{1,149}$`)}
	// PipelineName: CodePipeline: 100 characters of [A-Za-z0-9.@_-].
	PipelineName = NameRule{Service: "CodePipeline", max: 100, sep: "_", marker: "--",
		valid: regexp.MustCompile(`^[A-Za-z0-9.@_-]+$`)}
	// BucketName: S3: 63 lowercase letters, digits and '-' (no '.', which breaks TLS
	// for virtual-hosted addressing), a letter or digit at both ends.
	BucketName = NameRule{Service: "S3", max: 63, sep: "-", marker: "--",
		valid:            regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])$`),
		reserved:         []string{"xn--", "sthree-", "amzn-s3-demo-"},
		reservedSuffixes: []string{"-s3alias", "--ol-s3", "--x-s3", "--table-s3"}}
)

// Valid reports whether the service accepts name.
func (r NameRule) Valid(name string) bool {
	if len(name) == 0 || len(name) > r.max || !r.valid.MatchString(name) {
		return false
	}
	for _, p := range r.reserved {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range r.reservedSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func (r NameRule) name(parts []string, suffix string) string {
	if name, ok := r.readable(parts, suffix); ok {
		return name
	}
	return r.hashed(parts, suffix, nil)
}

func (r NameRule) readable(parts []string, suffix string) (string, bool) {
	for i, p := range parts {
		if p == "" || strings.Contains(p, "--") || strings.Contains(p, r.sep) && (r.sep != "-" || i < len(parts)-1) {
			return "", false
		}
	}
	all := parts
	if suffix != "" {
		all = append(append([]string(nil), parts...), suffix)
	}
	name := r.prefix + strings.Join(all, r.sep)
	return name, r.Valid(name)
}

// hashed is head + marker + hash (+ sep + suffix). The head is the parts with every
// character but letters and digits turned into single '-', cut to what fits.
func (r NameRule) hashed(parts []string, suffix string, scope []string) string {
	hash := hashOf(append(append([]string(nil), parts...), scope...)...)
	tail := hash
	if suffix != "" {
		tail += r.sep + suffix
	}
	room := r.max - len(r.prefix) - len(r.marker) - len(tail)
	head := headOf(strings.Join(parts, "-"), room)
	for changed := true; changed; {
		changed = false
		for _, p := range r.reserved {
			if strings.HasPrefix(r.prefix+head, p) {
				head = strings.Trim(strings.TrimPrefix(head, p), "-")
				changed = true
			}
		}
	}
	if head == "" {
		return r.prefix + tail
	}
	return r.prefix + head + r.marker + tail
}

// headOf lowercases s, turns every run of characters other than letters and digits into
// one '-', and cuts it to at most n characters without a '-' at either end.
func headOf(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	h := b.String()
	if n < 0 {
		n = 0
	}
	if len(h) > n {
		h = h[:n]
	}
	return strings.Trim(h, "-")
}
