package awssim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func createBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	must[*s3.CreateBucketOutput](t, "create "+name)(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)}))
}

func TestS3PublicAccessBlock(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	createBucket(t, c, "artifacts")
	// A new bucket blocks all public access, as on AWS since April 2023.
	got := must[*s3.GetPublicAccessBlockOutput](t, "get default")(c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String("artifacts")}))
	if cfg := got.PublicAccessBlockConfiguration; !aws.ToBool(cfg.BlockPublicAcls) || !aws.ToBool(cfg.IgnorePublicAcls) ||
		!aws.ToBool(cfg.BlockPublicPolicy) || !aws.ToBool(cfg.RestrictPublicBuckets) {
		t.Fatalf("default public access block %+v", cfg)
	}
	must[*s3.DeletePublicAccessBlockOutput](t, "delete")(c.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("artifacts")}))
	_, err := c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String("artifacts")})
	wantCode(t, "get after delete", err, "NoSuchPublicAccessBlockConfiguration")

	must[*s3.PutPublicAccessBlockOutput](t, "put")(c.PutPublicAccessBlock(bg, &s3.PutPublicAccessBlockInput{Bucket: aws.String("artifacts"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)}}))
	got = must[*s3.GetPublicAccessBlockOutput](t, "get")(c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String("artifacts")}))
	if cfg := got.PublicAccessBlockConfiguration; !aws.ToBool(cfg.BlockPublicAcls) || aws.ToBool(cfg.IgnorePublicAcls) ||
		!aws.ToBool(cfg.BlockPublicPolicy) || aws.ToBool(cfg.RestrictPublicBuckets) {
		t.Fatalf("public access block %+v", cfg)
	}
	_, err = c.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String("missing")})
	wantCode(t, "missing bucket", err, "NoSuchBucket")
}

func TestS3BucketEncryption(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	createBucket(t, c, "artifacts")
	rule := func(t *testing.T) s3types.ServerSideEncryptionRule {
		t.Helper()
		out := must[*s3.GetBucketEncryptionOutput](t, "get encryption")(c.GetBucketEncryption(bg, &s3.GetBucketEncryptionInput{Bucket: aws.String("artifacts")}))
		if len(out.ServerSideEncryptionConfiguration.Rules) != 1 {
			t.Fatalf("rules %+v", out.ServerSideEncryptionConfiguration.Rules)
		}
		return out.ServerSideEncryptionConfiguration.Rules[0]
	}
	// Every bucket is encrypted with SSE-S3 unless told otherwise.
	if r := rule(t); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 || aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("default encryption %+v", r.ApplyServerSideEncryptionByDefault)
	}
	put := func(alg s3types.ServerSideEncryption, key string) error {
		def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: alg}
		if key != "" {
			def.KMSMasterKeyID = aws.String(key)
		}
		_, err := c.PutBucketEncryption(bg, &s3.PutBucketEncryptionInput{Bucket: aws.String("artifacts"),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: def, BucketKeyEnabled: aws.Bool(true)}}}})
		return err
	}
	key := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if err := put(s3types.ServerSideEncryptionAwsKms, key); err != nil {
		t.Fatalf("put kms: %v", err)
	}
	if r := rule(t); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms ||
		aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != key || !aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("kms encryption %+v", r)
	}
	wantCode(t, "key with AES256", put(s3types.ServerSideEncryptionAes256, key), "InvalidArgument")
	wantCode(t, "unknown algorithm", put("ROT13", ""), "MalformedXML")
	if r := rule(t); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms {
		t.Fatalf("a refused put changed the configuration: %+v", r.ApplyServerSideEncryptionByDefault)
	}
}

func TestS3LifecycleConfiguration(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	createBucket(t, c, "artifacts")
	_, err := c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("artifacts")})
	wantCode(t, "get unset", err, "NoSuchLifecycleConfiguration")

	expire := func() s3types.LifecycleRule {
		return s3types.LifecycleRule{
			ID: aws.String("expire-artifacts"), Status: s3types.ExpirationStatusEnabled,
			Filter:                      &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration:                  &s3types.LifecycleExpiration{Days: aws.Int32(30)},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7)},
		}
	}
	put := func(rules ...s3types.LifecycleRule) error {
		_, err := c.PutBucketLifecycleConfiguration(bg, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("artifacts"),
			LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
		return err
	}
	noID := expire()
	noID.ID, noID.Filter = nil, &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")}
	if err := put(expire(), noID); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := must[*s3.GetBucketLifecycleConfigurationOutput](t, "get")(c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("artifacts")}))
	if len(got.Rules) != 2 || got.TransitionDefaultMinimumObjectSize != s3types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k {
		t.Fatalf("rules %+v, minimum size %q", got.Rules, got.TransitionDefaultMinimumObjectSize)
	}
	r := got.Rules[0]
	if aws.ToString(r.ID) != "expire-artifacts" || r.Status != s3types.ExpirationStatusEnabled || r.Filter == nil || r.Filter.Prefix == nil ||
		aws.ToInt32(r.Expiration.Days) != 30 || aws.ToInt32(r.NoncurrentVersionExpiration.NoncurrentDays) != 7 {
		t.Fatalf("rule %+v", r)
	}
	if id := aws.ToString(got.Rules[1].ID); id == "" || aws.ToString(got.Rules[1].Filter.Prefix) != "logs/" {
		t.Fatalf("a rule without ID gets one: %+v", got.Rules[1])
	}

	for _, tc := range []struct {
		name string
		edit func(r *s3types.LifecycleRule)
		code string
	}{
		{"zero expiration days", func(r *s3types.LifecycleRule) { r.Expiration.Days = aws.Int32(0) }, "InvalidArgument"},
		{"zero noncurrent days", func(r *s3types.LifecycleRule) { r.NoncurrentVersionExpiration.NoncurrentDays = aws.Int32(0) }, "InvalidArgument"},
		{"long ID", func(r *s3types.LifecycleRule) { r.ID = aws.String(strings.Repeat("x", 256)) }, "InvalidArgument"},
		{"lower-case status", func(r *s3types.LifecycleRule) { r.Status = "enabled" }, "MalformedXML"},
		{"no filter or prefix", func(r *s3types.LifecycleRule) { r.Filter = nil }, "MalformedXML"},
		{"filter and prefix", func(r *s3types.LifecycleRule) { r.Prefix = aws.String("x/") }, "MalformedXML"},
		{"two filter conditions", func(r *s3types.LifecycleRule) {
			r.Filter.Tag = &s3types.Tag{Key: aws.String("k"), Value: aws.String("v")}
		}, "MalformedXML"},
		{"days and date", func(r *s3types.LifecycleRule) {
			r.Expiration.Date = aws.Time(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
		}, "MalformedXML"},
		{"no action", func(r *s3types.LifecycleRule) { r.Expiration, r.NoncurrentVersionExpiration = nil, nil }, "InvalidRequest"},
	} {
		r := expire()
		tc.edit(&r)
		wantCode(t, tc.name, put(r), tc.code)
	}
	wantCode(t, "duplicate IDs", put(expire(), expire()), "InvalidArgument")
	legacy := expire()
	legacy.Filter, legacy.Prefix = nil, aws.String("old/")
	if err := put(legacy); err != nil {
		t.Fatalf("the deprecated rule prefix is still accepted: %v", err)
	}

	must[*s3.DeleteBucketLifecycleOutput](t, "delete")(c.DeleteBucketLifecycle(bg, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("artifacts")}))
	_, err = c.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("artifacts")})
	wantCode(t, "get after delete", err, "NoSuchLifecycleConfiguration")
}

func TestS3BucketTagging(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	createBucket(t, c, "artifacts")
	_, err := c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("artifacts")})
	wantCode(t, "get unset", err, "NoSuchTagSet")

	put := func(tags ...s3types.Tag) error {
		_, err := c.PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("artifacts"), Tagging: &s3types.Tagging{TagSet: tags}})
		return err
	}
	tag := func(k, v string) s3types.Tag { return s3types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	if err := put(tag("flaskops.io/owner", "ns/demo"), tag("env", "dev")); err != nil {
		t.Fatalf("put: %v", err)
	}
	got := must[*s3.GetBucketTaggingOutput](t, "get")(c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("artifacts")}))
	var pairs []string
	for _, tg := range got.TagSet {
		pairs = append(pairs, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	if fmt.Sprint(pairs) != "[env=dev flaskops.io/owner=ns/demo]" {
		t.Fatalf("tags %v", pairs)
	}
	// The inventory carries the bucket's tags, so leak checks can find what we own.
	for _, r := range e.sim.ListLive() {
		if r.Type == "bucket" && r.Tags["flaskops.io/owner"] != "ns/demo" {
			t.Fatalf("inventory %+v", r)
		}
	}

	many := make([]s3types.Tag, 51)
	for i := range many {
		many[i] = tag(fmt.Sprintf("k%d", i), "v")
	}
	for name, tags := range map[string][]s3types.Tag{
		"51 tags":        many,
		"key over 128":   {tag(strings.Repeat("k", 129), "v")},
		"value over 256": {tag("k", strings.Repeat("v", 257))},
		"duplicate key":  {tag("k", "1"), tag("k", "2")},
		"reserved key":   {tag("aws:cloudformation:stack-name", "x")},
	} {
		wantCode(t, name, put(tags...), "InvalidTag")
	}
	if err := put(many[:50]...); err != nil {
		t.Fatalf("50 tags are allowed: %v", err)
	}
	if err := put(tag(strings.Repeat("k", 128), strings.Repeat("v", 256))); err != nil {
		t.Fatalf("the longest key and value are allowed: %v", err)
	}
	must[*s3.DeleteBucketTaggingOutput](t, "delete")(c.DeleteBucketTagging(bg, &s3.DeleteBucketTaggingInput{Bucket: aws.String("artifacts")}))
	_, err = c.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("artifacts")})
	wantCode(t, "get after delete", err, "NoSuchTagSet")
}

// A general purpose bucket may be tagged by CreateBucket itself, so that no moment exists
// when it is there without its tags; the tags are checked as PutBucketTagging checks them.
func TestS3CreateBucketWithTags(t *testing.T) {
	e := newSvcEnv(t)
	tag := func(k, v string) s3types.Tag { return s3types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	west := e.s3("eu-west-1")
	must[*s3.CreateBucketOutput](t, "create")(west.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("tagged"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1",
			Tags: []s3types.Tag{tag("flaskops.io/owner", "ns/demo"), tag("env", "dev")}}}))
	got := must[*s3.GetBucketTaggingOutput](t, "get")(west.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("tagged")}))
	if len(got.TagSet) != 2 || aws.ToString(got.TagSet[1].Value) != "ns/demo" {
		t.Fatalf("tags %+v", got.TagSet)
	}
	east := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create in us-east-1, tags only")(east.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("tagged-east"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{Tags: []s3types.Tag{tag("env", "dev")}}}))
	_, err := east.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("badly-tagged"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{Tags: []s3types.Tag{tag("aws:reserved", "x")}}})
	wantCode(t, "reserved key", err, "InvalidTag")
	_, err = east.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("badly-tagged")})
	wantCode(t, "a refused create makes no bucket", err, "NoSuchBucket")
}

// TestS3ConfigurationPutsNeedAChecksum sends the Puts without Content-MD5 or x-amz-checksum-*
// as raw HTTP: S3 refuses them.
func TestS3ConfigurationPutsNeedAChecksum(t *testing.T) {
	e := newSvcEnv(t)
	createBucket(t, e.s3("us-east-1"), "bkt1")
	for sub, body := range map[string]string{
		"tagging":           `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		"lifecycle":         `<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`,
		"encryption":        `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		"publicAccessBlock": `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`,
	} {
		req, _ := http.NewRequest(http.MethodPut, e.url+"/bkt1?"+sub, strings.NewReader(body))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("put %s without a checksum: status %d, want 400 InvalidRequest", sub, resp.StatusCode)
		}
	}
}

func TestS3BucketConfigurationPersists(t *testing.T) {
	path := t.TempDir() + "/state.json"
	c := newSvcEnv(t, awssim.WithStateFile(path)).s3("us-east-1")
	createBucket(t, c, "kept")
	must[*s3.PutBucketTaggingOutput](t, "tag")(c.PutBucketTagging(bg, &s3.PutBucketTaggingInput{Bucket: aws.String("kept"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}))
	must[*s3.PutBucketLifecycleConfigurationOutput](t, "lifecycle")(c.PutBucketLifecycleConfiguration(bg, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("kept"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{ID: aws.String("r"), Status: s3types.ExpirationStatusEnabled,
			Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(3)}}}}}))
	must[*s3.DeletePublicAccessBlockOutput](t, "delete block")(c.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("kept")}))

	again := newSvcEnv(t, awssim.WithStateFile(path)).s3("us-east-1")
	tags := must[*s3.GetBucketTaggingOutput](t, "tags")(again.GetBucketTagging(bg, &s3.GetBucketTaggingInput{Bucket: aws.String("kept")}))
	rules := must[*s3.GetBucketLifecycleConfigurationOutput](t, "lifecycle")(again.GetBucketLifecycleConfiguration(bg, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("kept")}))
	if len(tags.TagSet) != 1 || len(rules.Rules) != 1 || aws.ToInt32(rules.Rules[0].Expiration.Days) != 3 {
		t.Fatalf("after restart: tags %+v rules %+v", tags.TagSet, rules.Rules)
	}
	_, err := again.GetPublicAccessBlock(bg, &s3.GetPublicAccessBlockInput{Bucket: aws.String("kept")})
	wantCode(t, "deleted block stays deleted", err, "NoSuchPublicAccessBlockConfiguration")
}

// TestS3BucketNotEmptyUntilEveryVersionAndMarkerIsGone empties a versioned bucket the way
// a careful delete does, checking that DeleteBucket is refused at each step that leaves a
// version or a delete marker behind.
func TestS3BucketNotEmptyUntilEveryVersionAndMarkerIsGone(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.s3("us-east-1")
	createBucket(t, c, "pipeline")
	must[*s3.PutBucketVersioningOutput](t, "versioning")(c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("pipeline"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	putObjects(t, c, "pipeline", "a", "a", "b", "c")
	for _, k := range []string{"a", "b"} { // markers on top of a and b
		must[*s3.DeleteObjectOutput](t, "delete "+k)(c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("pipeline"), Key: aws.String(k)}))
	}
	deleteBucket := func() error {
		_, err := c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("pipeline")})
		return err
	}
	versions, markers := map[string]string{}, map[string]string{}
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String("pipeline")})
	for p.HasMorePages() {
		page := must[*s3.ListObjectVersionsOutput](t, "list")(p.NextPage(bg))
		for _, v := range page.Versions {
			versions[aws.ToString(v.VersionId)] = aws.ToString(v.Key)
		}
		for _, m := range page.DeleteMarkers {
			markers[aws.ToString(m.VersionId)] = aws.ToString(m.Key)
		}
	}
	if len(versions) != 4 || len(markers) != 2 {
		t.Fatalf("versions %v markers %v", versions, markers)
	}
	// Every object version gone, the markers left: still not empty.
	for id, key := range versions {
		must[*s3.DeleteObjectOutput](t, "delete version")(c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("pipeline"), Key: aws.String(key), VersionId: aws.String(id)}))
	}
	wantCode(t, "delete with markers left", deleteBucket(), "BucketNotEmpty")
	var ids []s3types.ObjectIdentifier
	for id, key := range markers {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(key), VersionId: aws.String(id)})
	}
	out := must[*s3.DeleteObjectsOutput](t, "delete markers")(c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("pipeline"),
		Delete: &s3types.Delete{Objects: ids[:1]}}))
	if len(out.Deleted) != 1 || !aws.ToBool(out.Deleted[0].DeleteMarker) {
		t.Fatalf("deleting a marker by version: %+v", out.Deleted)
	}
	wantCode(t, "delete with one marker left", deleteBucket(), "BucketNotEmpty")
	must[*s3.DeleteObjectsOutput](t, "delete last marker")(c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("pipeline"),
		Delete: &s3types.Delete{Objects: ids[1:]}}))
	if err := deleteBucket(); err != nil {
		t.Fatalf("delete empty bucket: %v", err)
	}
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left %v", live)
	}
}
