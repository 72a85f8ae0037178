package cloud

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func TestTagsOwnershipWinsOverUserTags(t *testing.T) {
	o := ownerOf("demo", "dev", "shop")
	o.fd.UID = "uid-1"
	o.fd.Spec.Tags = map[string]string{"project": "mane", TagOwner: "someone/else", TagCluster: "other"}
	tags := o.EC2Tags("network", "vpc")
	want := map[string]string{
		"project": "mane", TagCluster: "demo", TagOwner: "dev/shop", TagStage: "network",
		TagResource: "vpc", TagUID: "uid-1", TagName: "dev-shop-vpc",
	}
	if len(tags) != len(want) {
		t.Fatalf("tags = %v, want %v", tags, want)
	}
	for k, v := range want {
		if tags[k] != v {
			t.Fatalf("tag %s = %q, want %q", k, tags[k], v)
		}
	}
}

func TestOwns(t *testing.T) {
	ours := func(mutate func(map[string]string)) map[string]string {
		tags := map[string]string{TagCluster: "demo", TagOwner: "dev/shop", TagUID: "uid-1"}
		mutate(tags)
		return tags
	}
	tests := []struct {
		name      string
		tags      map[string]string
		ownerUIDs []string
		want      bool
	}{
		{"our cluster, name and uid", ours(func(map[string]string) {}), nil, true},
		{"no uid tag: cluster and name decide", ours(func(m map[string]string) { delete(m, TagUID) }), nil, true},
		{"another cluster's object of the same name", ours(func(m map[string]string) { m[TagCluster] = "prod" }), nil, false},
		{"no cluster tag", ours(func(m map[string]string) { delete(m, TagCluster) }), nil, false},
		{"another object", ours(func(m map[string]string) { m[TagOwner] = "dev/other" }), nil, false},
		{"owner tag removed", ours(func(m map[string]string) { delete(m, TagOwner) }), nil, false},
		{"an earlier object of the same name", ours(func(m map[string]string) { m[TagUID] = "uid-0" }), nil, false},
		{"an earlier UID status recorded", ours(func(m map[string]string) { m[TagUID] = "uid-0" }), []string{"uid-0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ownerOf("demo", "dev", "shop")
			o.fd.UID, o.fd.Status.OwnerUIDs = "uid-1", tt.ownerUIDs
			if got := o.Owns(tt.tags); got != tt.want {
				t.Fatalf("Owns(%v) = %v, want %v (%s)", tt.tags, got, tt.want, o.Describe(tt.tags))
			}
		})
	}
}

func TestMissingTags(t *testing.T) {
	got := MissingTags(map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"a": "1", "b": "x"})
	if len(got) != 2 || got["b"] != "2" || got["c"] != "3" {
		t.Fatalf("MissingTags = %v, want b=2 and c=3", got)
	}
}

func TestRemovedTags(t *testing.T) {
	tests := []struct {
		name    string
		tagKeys []string
		spec    map[string]string
		have    map[string]string
		want    []string
	}{
		{"a key left spec.tags", []string{"cost", "team"}, map[string]string{"team": "a"},
			map[string]string{"cost": "x", "team": "a"}, []string{"cost"}},
		{"already gone from the resource", []string{"cost", "team"}, map[string]string{"team": "a"},
			map[string]string{"team": "a"}, nil},
		{"never applied by us: someone else's tag stays", []string{"team"}, map[string]string{"team": "a"},
			map[string]string{"team": "a", "backup": "daily"}, nil},
		{"Name and our own keys are never removed", []string{"Name", TagOwner}, nil,
			map[string]string{"Name": "dev-shop-vpc", TagOwner: "dev/shop"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := ownerOf("demo", "dev", "shop").fd
			fd.Spec.Tags, fd.Status.TagKeys = tt.spec, tt.tagKeys
			got := RemovedTags(fd, tt.have)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("RemovedTags = %v, want %v", got, tt.want)
			}
		})
	}
}

// The logs tagging calls take a log group's ARN without the ":*" DescribeLogGroups appends
// to Arn; LogGroupArn, where AWS returns it, already has none.
func TestLogGroupARN(t *testing.T) {
	const arn = "arn:aws:logs:us-east-1:123456789012:log-group:/flaskops/demo/shop"
	for _, tt := range []struct {
		name string
		g    logstypes.LogGroup
	}{
		{"LogGroupArn", logstypes.LogGroup{LogGroupArn: aws.String(arn), Arn: aws.String(arn + ":*")}},
		{"only Arn", logstypes.LogGroup{Arn: aws.String(arn + ":*")}},
	} {
		if got := LogGroupARN(&tt.g); got != arn {
			t.Errorf("%s: %s, want %s", tt.name, got, arn)
		}
	}
}
