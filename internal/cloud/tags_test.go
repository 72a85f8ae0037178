package cloud

import (
	"strings"
	"testing"
)

func TestTagsOwnershipWinsOverUserTags(t *testing.T) {
	fd := fdNamed("dev", "shop")
	fd.UID = "uid-1"
	fd.Spec.Tags = map[string]string{"project": "mane", TagOwner: "someone/else"}
	tags := EC2Tags(fd, "network", "vpc")
	want := map[string]string{
		"project": "mane", TagOwner: "dev/shop", TagStage: "network",
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
	if !IsOwned(tags, fd) {
		t.Fatal("IsOwned = false for the object's own tags")
	}
	if IsOwned(map[string]string{TagOwner: "dev/other"}, fd) {
		t.Fatal("IsOwned = true for another object's tags")
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
			fd := fdNamed("dev", "shop")
			fd.Spec.Tags, fd.Status.TagKeys = tt.spec, tt.tagKeys
			got := RemovedTags(fd, tt.have)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("RemovedTags = %v, want %v", got, tt.want)
			}
		})
	}
}
