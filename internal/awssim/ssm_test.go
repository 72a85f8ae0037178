package awssim_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestSSMParameters(t *testing.T) {
	e := newSvcEnv(t)
	c := ssm.NewFromConfig(e.cfg("us-west-2"))
	const name = "/flaskops/default/app/repository-uri"
	put := must[*ssm.PutParameterOutput](t, "put")(c.PutParameter(bg, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String("v1"), Type: ssmtypes.ParameterTypeString,
		Tags: []ssmtypes.Tag{{Key: aws.String("owner"), Value: aws.String("me")}},
	}))
	if put.Version != 1 || put.Tier != ssmtypes.ParameterTierStandard {
		t.Fatalf("put: version %d tier %s", put.Version, put.Tier)
	}
	_, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v2"), Type: ssmtypes.ParameterTypeString})
	wantCode(t, "put without overwrite", err, "ParameterAlreadyExists")
	_, err = c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v2"), Overwrite: aws.Bool(true),
		Tags: []ssmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, "overwrite with tags", err, "ValidationException")
	put = must[*ssm.PutParameterOutput](t, "overwrite")(c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v2"), Overwrite: aws.Bool(true)}))
	if put.Version != 2 {
		t.Fatalf("overwrite version %d, want 2", put.Version)
	}
	got := must[*ssm.GetParameterOutput](t, "get")(c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String(name)})).Parameter
	if aws.ToString(got.Value) != "v2" || got.Version != 2 || got.Type != ssmtypes.ParameterTypeString ||
		aws.ToString(got.ARN) != "arn:aws:ssm:us-west-2:123456789012:parameter/flaskops/default/app/repository-uri" ||
		got.LastModifiedDate == nil || !got.LastModifiedDate.Equal(e.clock.Now()) {
		t.Fatalf("get: %+v", got)
	}
	tags := must[*ssm.ListTagsForResourceOutput](t, "tags")(c.ListTagsForResource(bg, &ssm.ListTagsForResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)}))
	if len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Value) != "me" {
		t.Fatalf("tags after overwrite: %+v", tags.TagList)
	}
	must[*ssm.AddTagsToResourceOutput](t, "add tags")(c.AddTagsToResource(bg, &ssm.AddTagsToResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name),
		Tags: []ssmtypes.Tag{{Key: aws.String("owner"), Value: aws.String("you")}, {Key: aws.String("x"), Value: aws.String("y")}}}))
	if live := e.sim.ListLive(); len(live) != 1 || live[0].Type != "parameter" || live[0].ID != name || live[0].Tags["owner"] != "you" || live[0].Tags["x"] != "y" {
		t.Fatalf("inventory %+v", live)
	}
	must[*ssm.RemoveTagsFromResourceOutput](t, "remove tags")(c.RemoveTagsFromResource(bg, &ssm.RemoveTagsFromResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name), TagKeys: []string{"x"}}))
	tags = must[*ssm.ListTagsForResourceOutput](t, "tags")(c.ListTagsForResource(bg, &ssm.ListTagsForResourceInput{
		ResourceType: ssmtypes.ResourceTypeForTaggingParameter, ResourceId: aws.String(name)}))
	if len(tags.TagList) != 1 || aws.ToString(tags.TagList[0].Key) != "owner" {
		t.Fatalf("tags after remove: %+v", tags.TagList)
	}
	_, err = c.AddTagsToResource(bg, &ssm.AddTagsToResourceInput{ResourceType: ssmtypes.ResourceTypeForTaggingParameter,
		ResourceId: aws.String("/missing"), Tags: []ssmtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "tag missing parameter", err, "InvalidResourceId")

	// Regions are separate stores.
	_, err = ssm.NewFromConfig(e.cfg("us-east-1")).GetParameter(bg, &ssm.GetParameterInput{Name: aws.String(name)})
	wantCode(t, "other region", err, "ParameterNotFound")

	for what, bad := range map[string]string{"relative hierarchy": "a/b", "reserved": "/aws/x", "bad char": "/a b"} {
		_, err = c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(bad), Value: aws.String("v"), Type: ssmtypes.ParameterTypeString})
		wantCode(t, what, err, "ValidationException")
	}
	_, err = c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/new"), Value: aws.String("v")})
	wantCode(t, "create without type", err, "ValidationException")

	must[*ssm.DeleteParameterOutput](t, "delete")(c.DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String(name)}))
	_, err = c.DeleteParameter(bg, &ssm.DeleteParameterInput{Name: aws.String(name)})
	wantCode(t, "delete twice", err, "ParameterNotFound")
	_, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String(name)})
	wantCode(t, "get deleted", err, "ParameterNotFound")
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("inventory after delete %+v", live)
	}

	// A re-created parameter starts again at version 1.
	put = must[*ssm.PutParameterOutput](t, "re-create")(c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("v3"), Type: ssmtypes.ParameterTypeString}))
	if put.Version != 1 {
		t.Fatalf("re-created version %d", put.Version)
	}
	e.sim.Reset()
	_, err = c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String(name)})
	wantCode(t, "after reset", err, "ParameterNotFound")
}

func TestSSMSecureStringNeedsDecryption(t *testing.T) {
	e := newSvcEnv(t)
	c := ssm.NewFromConfig(e.cfg("us-east-1"))
	must[*ssm.PutParameterOutput](t, "put")(c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/s"), Value: aws.String("secret"), Type: ssmtypes.ParameterTypeSecureString}))
	enc := must[*ssm.GetParameterOutput](t, "get")(c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/s")}))
	dec := must[*ssm.GetParameterOutput](t, "get decrypted")(c.GetParameter(bg, &ssm.GetParameterInput{Name: aws.String("/s"), WithDecryption: aws.Bool(true)}))
	if aws.ToString(enc.Parameter.Value) == "secret" || aws.ToString(dec.Parameter.Value) != "secret" {
		t.Fatalf("encrypted %q decrypted %q", aws.ToString(enc.Parameter.Value), aws.ToString(dec.Parameter.Value))
	}
	_, err := c.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/s"), Value: aws.String("x"), Type: ssmtypes.ParameterTypeString, Overwrite: aws.Bool(true)})
	wantCode(t, "SecureString to String", err, "HierarchyTypeMismatchException")
}
