package awssim_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/flaskops/flask-operator/internal/awssim"
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

// ssmByPath pages through GetParametersByPath and returns the names.
func ssmByPath(t *testing.T, c *ssm.Client, in *ssm.GetParametersByPathInput) []string {
	t.Helper()
	var names []string
	pages := ssm.NewGetParametersByPathPaginator(c, in)
	for pages.HasMorePages() {
		for _, p := range must[*ssm.GetParametersByPathOutput](t, "by path")(pages.NextPage(bg)).Parameters {
			names = append(names, aws.ToString(p.Name))
		}
	}
	return names
}

func ssmDescribe(t *testing.T, c *ssm.Client, in *ssm.DescribeParametersInput) []ssmtypes.ParameterMetadata {
	t.Helper()
	var out []ssmtypes.ParameterMetadata
	pages := ssm.NewDescribeParametersPaginator(c, in)
	for pages.HasMorePages() {
		out = append(out, must[*ssm.DescribeParametersOutput](t, "describe")(pages.NextPage(bg)).Parameters...)
	}
	return out
}

func TestSSMReadOperations(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := ssm.NewFromConfig(e.cfg("us-east-1"))
	put := func(name, value string, typ ssmtypes.ParameterType, tags ...ssmtypes.Tag) {
		must[*ssm.PutParameterOutput](t, "put "+name)(c.PutParameter(bg, &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(value), Type: typ, Tags: tags}))
	}
	put("/flaskops/default/app/repository-uri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/default-app", ssmtypes.ParameterTypeString,
		ssmtypes.Tag{Key: aws.String("flaskops.io/owner"), Value: aws.String("default/app")})
	put("/flaskops/default/app/db-password", "hunter2", ssmtypes.ParameterTypeSecureString)
	put("/flaskops/default/web/repository-uri", "web-uri", ssmtypes.ParameterTypeString)
	put("/flaskops/top", "t", ssmtypes.ParameterTypeStringList)
	put("/elsewhere/x", "x", ssmtypes.ParameterTypeString)
	put("plain", "p", ssmtypes.ParameterTypeString)

	for _, tc := range []struct {
		path      string
		recursive bool
		filters   []ssmtypes.ParameterStringFilter
		want      string
	}{
		{"/flaskops", true, nil, "[/flaskops/default/app/db-password /flaskops/default/app/repository-uri /flaskops/default/web/repository-uri /flaskops/top]"},
		{"/flaskops", false, nil, "[/flaskops/top]"},
		{"/flaskops/default/app/", false, nil, "[/flaskops/default/app/db-password /flaskops/default/app/repository-uri]"},
		{"/flaskops/default", false, nil, "[]"},
		{"/", true, nil, "[/elsewhere/x /flaskops/default/app/db-password /flaskops/default/app/repository-uri /flaskops/default/web/repository-uri /flaskops/top]"},
		{"/flaskops", true, []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"SecureString", "StringList"}}},
			"[/flaskops/default/app/db-password /flaskops/top]"},
		{"/flaskops", true, []ssmtypes.ParameterStringFilter{{Key: aws.String("KeyId"), Values: []string{"alias/aws/ssm"}}},
			"[/flaskops/default/app/db-password]"},
		{"/flaskops", true, []ssmtypes.ParameterStringFilter{{Key: aws.String("Label"), Values: []string{"prod"}}}, "[]"},
	} {
		got := ssmByPath(t, c, &ssm.GetParametersByPathInput{Path: aws.String(tc.path), Recursive: aws.Bool(tc.recursive), ParameterFilters: tc.filters})
		if fmt.Sprint(got) != tc.want {
			t.Errorf("by path %s recursive=%v %v: %v, want %s", tc.path, tc.recursive, tc.filters, got, tc.want)
		}
	}
	page := must[*ssm.GetParametersByPathOutput](t, "one page")(c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{
		Path: aws.String("/flaskops/default/app"), MaxResults: aws.Int32(1), WithDecryption: aws.Bool(true)}))
	if len(page.Parameters) != 1 || aws.ToString(page.NextToken) == "" || aws.ToString(page.Parameters[0].Value) != "hunter2" ||
		aws.ToString(page.Parameters[0].ARN) != "arn:aws:ssm:us-east-1:123456789012:parameter/flaskops/default/app/db-password" {
		t.Fatalf("first page %+v next %q", page.Parameters, aws.ToString(page.NextToken))
	}
	page = must[*ssm.GetParametersByPathOutput](t, "encrypted")(c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{
		Path: aws.String("/flaskops/default/app"), MaxResults: aws.Int32(1)}))
	if v := aws.ToString(page.Parameters[0].Value); v == "hunter2" {
		t.Fatalf("SecureString without decryption answered %q", v)
	}
	for what, in := range map[string]*ssm.GetParametersByPathInput{
		"max results": {Path: aws.String("/flaskops"), MaxResults: aws.Int32(11)},
		"relative":    {Path: aws.String("flaskops")},
	} {
		_, err := c.GetParametersByPath(bg, in)
		wantCode(t, what, err, "ValidationException")
	}
	_, err := c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: aws.String("/flaskops"), NextToken: aws.String("bogus")})
	wantCode(t, "bad token", err, "InvalidNextToken")
	_, err = c.GetParametersByPath(bg, &ssm.GetParametersByPathInput{Path: aws.String("/flaskops"),
		ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Values: []string{"x"}}}})
	wantCode(t, "Name filter by path", err, "InvalidFilterKey")

	all := ssmDescribe(t, c, &ssm.DescribeParametersInput{})
	if len(all) != 6 || aws.ToString(all[0].Name) != "/elsewhere/x" || aws.ToString(all[5].Name) != "plain" {
		t.Fatalf("describe all: %d %+v", len(all), all)
	}
	for _, p := range all {
		if aws.ToString(p.Name) == "/flaskops/default/app/db-password" && (p.Type != ssmtypes.ParameterTypeSecureString ||
			aws.ToString(p.KeyId) != "alias/aws/ssm" || p.Version != 1 || p.Tier != ssmtypes.ParameterTierStandard ||
			aws.ToString(p.LastModifiedUser) != awssim.CallerARN || !aws.ToTime(p.LastModifiedDate).Equal(e.clock.Now())) {
			t.Fatalf("metadata %+v", p)
		}
	}
	names := func(ps []ssmtypes.ParameterMetadata) string {
		var out []string
		for _, p := range ps {
			out = append(out, aws.ToString(p.Name))
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		in   *ssm.DescribeParametersInput
		want string
	}{
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Path"), Option: aws.String("Recursive"), Values: []string{"/flaskops/default"}}}},
			"[/flaskops/default/app/db-password /flaskops/default/app/repository-uri /flaskops/default/web/repository-uri]"},
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Path"), Values: []string{"/flaskops"}}}},
			"[/flaskops/top]"},
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Name"), Option: aws.String("Contains"), Values: []string{"repository"}}}},
			"[/flaskops/default/app/repository-uri /flaskops/default/web/repository-uri]"},
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{
			{Key: aws.String("Name"), Option: aws.String("BeginsWith"), Values: []string{"/flaskops/default"}},
			{Key: aws.String("Type"), Values: []string{"String"}}}},
			"[/flaskops/default/app/repository-uri /flaskops/default/web/repository-uri]"},
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("tag:flaskops.io/owner"), Values: []string{"default/app"}}}},
			"[/flaskops/default/app/repository-uri]"},
		{&ssm.DescribeParametersInput{ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("tag:flaskops.io/owner")}}},
			"[/flaskops/default/app/repository-uri]"},
		{&ssm.DescribeParametersInput{Filters: []ssmtypes.ParametersFilter{{Key: ssmtypes.ParametersFilterKeyName, Values: []string{"plain", "/elsewhere/x"}}}},
			"[/elsewhere/x plain]"},
	} {
		if got := names(ssmDescribe(t, c, tc.in)); got != tc.want {
			t.Errorf("describe %+v: %s, want %s", tc.in, got, tc.want)
		}
	}
	for code, in := range map[string]*ssm.DescribeParametersInput{
		"ValidationException": {Filters: []ssmtypes.ParametersFilter{{Key: ssmtypes.ParametersFilterKeyType, Values: []string{"String"}}},
			ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"String"}}}},
		"InvalidFilterKey":    {ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Label"), Values: []string{"x"}}}},
		"InvalidFilterOption": {ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Option: aws.String("Recursive"), Values: []string{"String"}}}},
		"InvalidFilterValue":  {ParameterFilters: []ssmtypes.ParameterStringFilter{{Key: aws.String("Type"), Values: []string{"Number"}}}},
	} {
		_, err := c.DescribeParameters(bg, in)
		wantCode(t, "describe "+code, err, code)
	}

	got := must[*ssm.GetParametersOutput](t, "get parameters")(c.GetParameters(bg, &ssm.GetParametersInput{
		Names: []string{"plain", "/missing", "arn:aws:ssm:us-east-1:123456789012:parameter/elsewhere/x"}}))
	if len(got.Parameters) != 2 || aws.ToString(got.Parameters[0].Value) != "p" || aws.ToString(got.Parameters[1].Value) != "x" ||
		fmt.Sprint(got.InvalidParameters) != "[/missing]" {
		t.Fatalf("get parameters %+v invalid %v", got.Parameters, got.InvalidParameters)
	}
}
