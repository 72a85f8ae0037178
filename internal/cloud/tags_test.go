package cloud

import "testing"

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
