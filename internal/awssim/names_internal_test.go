package awssim

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// refusal returns the AWS code and status of err ("" and 0 for nil).
func refusal(t *testing.T, err error) (string, int) {
	t.Helper()
	if err == nil {
		return "", 0
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an APIError: %v", err)
	}
	return apiErr.Code, apiErr.Status
}

func TestNameRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	for _, tc := range []struct {
		rule  string
		check func(string) error
		ok    []string
		bad   []string
		code  string
	}{
		{"load balancer", func(n string) error { return checkELBv2Name("Load balancer", n) },
			[]string{"a", "a-b", "A1-b2", long(32), "internal"},
			[]string{"", long(33), "-a", "a-", "a_b", "a.b", "internal-a"}, "ValidationError"},
		{"target group", func(n string) error { return checkELBv2Name("Target group", n) },
			[]string{"a", long(32), "internal-a"},
			[]string{"", long(33), "-a", "a-", "a b"}, "ValidationError"},
		{"role name", checkRoleName,
			[]string{"a", "a+b=c,d.e@f-g_h", long(64)},
			[]string{"", long(65), "a b", "a/b", "a:b"}, "ValidationError"},
		{"role path", checkRolePath,
			[]string{"/", "/flaskops/", "/a/b/", "/a~\x7fb/", "/" + long(510) + "/"},
			[]string{"", "a", "/a", "a/", "/a b/", "/" + long(511) + "/"}, "ValidationError"},
		{"policy name", checkPolicyName,
			[]string{"a", long(128)},
			[]string{"", long(129), "a b"}, "ValidationError"},
		{"security group", func(n string) error { return checkGroupName(n, "d") },
			[]string{"web", "a b._-:/()#,@[]+=&;{}!$*", long(255), "xsg-a"},
			[]string{long(256), "sg-a", "a%b", "a'b", "é"}, "InvalidParameterValue"},
		{"security group description", func(d string) error { return checkGroupName("web", d) },
			[]string{"", "Load balancer: HTTP (80) from 0.0.0.0/0", long(255)},
			[]string{long(256), "a<b", "a\tb"}, "InvalidParameterValue"},
		{"repository", checkRepositoryName,
			[]string{"ab", "a/b", "ns/app-1.x_y", long(256)},
			[]string{"", "a", long(257), "A", "a//b", "a-", "-a", "a..b", "/a", "a/"}, "InvalidParameterException"},
		{"log group", checkLogGroupName,
			[]string{"a", "/ecs/ns-app", "a.-_/#Z9", long(512)},
			[]string{"", long(513), "a b", "a:b", "a*"}, "InvalidParameterException"},
		{"bucket", checkBucketName,
			[]string{"abc", "a.b-c", "ns-app-artifacts", long(63), "1.2.3", "xn-a", "a-s3aliasx"},
			[]string{"ab", long(64), "Abc", "-ab", "ab-", ".ab", "ab.", "a..b", "a.-b", "a-.b", "a_b",
				"192.168.1.1", "xn--ab", "sthree-ab", "amzn-s3-demo-ab", "ab-s3alias", "ab--ol-s3", "ab.mrap", "ab--x-s3", "ab--table-s3"},
			"InvalidBucketName"},
		{"project", checkProjectName,
			[]string{"ab", "a-b_c", "1a", long(255)},
			[]string{"", "a", "-ab", "_ab", long(256), "a b", "a.b"}, "ValidationException"},
		{"cluster", func(n string) error { return checkECSName("Cluster", n) },
			[]string{"default", "a-b_C9", long(255)},
			[]string{"", long(256), "a b", "a.b", "a/b"}, "InvalidParameterException"},
		{"family", checkFamily,
			[]string{"a", "ns-app_1", long(255)},
			[]string{"", long(256), "a:1", "a.b"}, "ClientException"},
		{"connection", checkConnectionName,
			[]string{"a", "GitHub connection", strings.Repeat("é", 32)},
			[]string{"", long(33)}, "ValidationException"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			for _, name := range tc.ok {
				if err := tc.check(name); err != nil {
					t.Errorf("%q refused: %v", name, err)
				}
			}
			for _, name := range tc.bad {
				if got, status := refusal(t, tc.check(name)); got != tc.code || status != http.StatusBadRequest {
					t.Errorf("%q: %q %d, want %q 400", name, got, status, tc.code)
				}
			}
		})
	}
}

func TestParameterNameRules(t *testing.T) {
	const region = "us-east-1"
	// The ARN before a name counts toward the 1011 characters: 45 in us-east-1.
	prefix := len(ssmARN(region, ""))
	levels := func(n int) string { return strings.Repeat("/a", n) }
	for _, tc := range []struct {
		name string
		want string
	}{
		{"app", ""},
		{"/flaskops/ns/app/repository-uri", ""},
		{"/a_b.c-d/E9", ""},
		{levels(15), ""},
		{"/" + strings.Repeat("a", ssmMaxARN-prefix), ""},
		{"/" + strings.Repeat("a", ssmMaxARN-prefix+1), "ValidationException"},
		{strings.Repeat("a", 2049), "ValidationException"},
		{levels(16), "HierarchyLevelLimitExceededException"},
		{"", "ValidationException"},
		{"a b", "ValidationException"},
		{"a:b", "ValidationException"},
		{"a/b", "ValidationException"},
		{"awsapp", "ValidationException"},
		{"AWS-app", "ValidationException"},
		{"/aws/app", "ValidationException"},
		{"ssm", "ValidationException"},
		{"/SSM/app", "ValidationException"},
		{"/app/aws", ""},
		{"myssm", ""},
	} {
		if got, _ := refusal(t, checkParameterName(region, tc.name)); got != tc.want {
			t.Errorf("%.40q: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTagRules(t *testing.T) {
	many := func(n int) map[string]string {
		tags := map[string]string{}
		for i := range n {
			tags[fmt.Sprintf("k%d", i)] = "v"
		}
		return tags
	}
	owner := map[string]string{"flaskops.io/cluster": "dev", "flaskops.io/owner": "default/app", "Name": "default-app-vpc"}
	for _, tc := range []struct {
		service                                string
		maxKey, maxValue, maxTags              int
		keyCode, valueCode, reservedCode, many string
		patterned                              bool
	}{
		{"ec2", 128, 256, 50, "InvalidParameterValue", "InvalidParameterValue", "InvalidParameterValue", "TagLimitExceeded", false},
		{"elasticloadbalancing", 128, 256, 50, "ValidationError", "ValidationError", "ValidationError", "TooManyTags", true},
		{"ecs", 128, 256, 50, "InvalidParameterException", "InvalidParameterException", "InvalidParameterException", "InvalidParameterException", true},
		{"ecr", 128, 256, 50, "InvalidTagParameterException", "InvalidTagParameterException", "InvalidTagParameterException", "TooManyTagsException", false},
		{"iam", 128, 256, 50, "ValidationError", "ValidationError", "InvalidInput", "ValidationError", true},
		{"logs", 128, 256, 50, "InvalidParameterException", "InvalidParameterException", "InvalidParameterException", "InvalidParameterException", true},
		{"ssm", 128, 256, 50, "ValidationException", "ValidationException", "ValidationException", "TooManyTagsError", true},
		{"codebuild", 127, 255, 50, "ValidationException", "ValidationException", "InvalidInputException", "ValidationException", true},
		{"codepipeline", 128, 256, 50, "InvalidTagsException", "InvalidTagsException", "InvalidTagsException", "TooManyTagsException", false},
		{"codestar-connections", 128, 256, 200, "ValidationException", "ValidationException", "ValidationException", "LimitExceededException", false},
		{"application-autoscaling", 128, 256, 50, "ValidationException", "ValidationException", "ValidationException", "TooManyTagsException", false},
	} {
		t.Run(tc.service, func(t *testing.T) {
			for _, c := range []struct {
				tags map[string]string
				want string
			}{
				{owner, ""},
				{map[string]string{strings.Repeat("k", tc.maxKey): strings.Repeat("v", tc.maxValue)}, ""},
				{map[string]string{strings.Repeat("é", tc.maxKey): ""}, ""}, // characters, not bytes
				{map[string]string{"awsome": "v", "x:aws:y": "v"}, ""},
				{many(tc.maxTags), ""},
				{map[string]string{"": "v"}, tc.keyCode},
				{map[string]string{strings.Repeat("k", tc.maxKey+1): "v"}, tc.keyCode},
				{map[string]string{"k": strings.Repeat("v", tc.maxValue+1)}, tc.valueCode},
				{map[string]string{"aws:cloudformation:stack-name": "v"}, tc.reservedCode},
				{map[string]string{"AWS:x": "v"}, tc.reservedCode},
				{many(tc.maxTags + 1), tc.many},
			} {
				got, status := refusal(t, checkTags(tc.service, c.tags))
				if got != c.want || (got != "" && status != http.StatusBadRequest) {
					t.Errorf("%.60v: %q %d, want %q 400", c.tags, got, status, c.want)
				}
			}
			wantPattern := ""
			if tc.patterned {
				wantPattern = tc.keyCode
			}
			if got, _ := refusal(t, checkTags(tc.service, map[string]string{"a*b": "v"})); got != wantPattern {
				t.Errorf("key a*b: %q, want %q", got, wantPattern)
			}
		})
	}
}
