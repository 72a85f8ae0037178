package awssim_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// s3 is the client the operator uses against the simulator: path-style addressing.
func (e *svcEnv) s3(region string) *s3.Client {
	return s3.NewFromConfig(e.cfg(region), func(o *s3.Options) { o.UsePathStyle = true })
}

func putObjects(t *testing.T, c *s3.Client, bucket string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		must[*s3.PutObjectOutput](t, "put "+k)(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
			Body: strings.NewReader("data of " + k)}))
	}
}

func TestS3CreateBucketLocationConstraintRules(t *testing.T) {
	e := newSvcEnv(t)
	east, west := e.s3("us-east-1"), e.s3("eu-west-1")
	cfg := func(region string) *s3types.CreateBucketConfiguration {
		return &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	tests := []struct {
		name   string
		client *s3.Client
		bucket string
		config *s3types.CreateBucketConfiguration
		code   string
	}{
		{name: "us-east-1 takes no constraint", client: east, bucket: "east-ok"},
		{name: "us-east-1 refuses its own name", client: east, bucket: "east-named", config: cfg("us-east-1"), code: "InvalidLocationConstraint"},
		{name: "us-east-1 refuses another region", client: east, bucket: "east-other", config: cfg("eu-west-1"), code: "IllegalLocationConstraintException"},
		{name: "other regions require a constraint", client: west, bucket: "west-none", code: "IllegalLocationConstraintException"},
		{name: "other regions require their own", client: west, bucket: "west-other", config: cfg("eu-central-1"), code: "IllegalLocationConstraintException"},
		{name: "other region with its own", client: west, bucket: "west-ok", config: cfg("eu-west-1")},
		{name: "not a region", client: west, bucket: "west-bad", config: cfg("moon-base-1x"), code: "InvalidLocationConstraint"},
		{name: "bad name", client: east, bucket: "Bad_Name", code: "InvalidBucketName"},
		{name: "ip-like name", client: east, bucket: "192.168.0.1", code: "InvalidBucketName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(tt.bucket), CreateBucketConfiguration: tt.config})
			wantCode(t, "create "+tt.bucket, err, tt.code)
		})
	}
	if got := e.live("s3", "bucket"); fmt.Sprint(got) != "[us-east-1/east-ok eu-west-1/west-ok]" {
		t.Fatalf("buckets %v", got)
	}

	// Names are global; us-east-1 answers a repeated create of its own bucket with 200.
	must[*s3.CreateBucketOutput](t, "repeat in us-east-1")(east.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("east-ok")}))
	_, err := west.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("west-ok"), CreateBucketConfiguration: cfg("eu-west-1")})
	wantCode(t, "repeat in eu-west-1", err, "BucketAlreadyOwnedByYou")
	_, err = west.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("east-ok"), CreateBucketConfiguration: cfg("eu-west-1")})
	wantCode(t, "name taken in another region", err, "BucketAlreadyOwnedByYou")

	// HeadBucket: region header, 404 as NotFound, another region's endpoint is a redirect.
	head := must[*s3.HeadBucketOutput](t, "head")(west.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("west-ok")}))
	if aws.ToString(head.BucketRegion) != "eu-west-1" {
		t.Fatalf("bucket region %q", aws.ToString(head.BucketRegion))
	}
	_, err = east.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("missing")})
	wantCode(t, "head missing", err, "NotFound")
	_, err = east.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("west-ok")})
	wantCode(t, "head through the wrong region", err, "MovedPermanently")
	_, err = east.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("west-ok")})
	wantCode(t, "delete through the wrong region", err, "PermanentRedirect")

	must[*s3.DeleteBucketOutput](t, "delete")(west.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("west-ok")}))
	_, err = west.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("west-ok")})
	wantCode(t, "delete twice", err, "NoSuchBucket")
	list := must[*s3.ListBucketsOutput](t, "list")(east.ListBuckets(bg, &s3.ListBucketsInput{}))
	if len(list.Buckets) != 1 || aws.ToString(list.Buckets[0].Name) != "east-ok" {
		t.Fatalf("list buckets %+v", list.Buckets)
	}
	e.sim.Reset()
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("after Reset %v", live)
	}
}

// listVersions pages through ListObjectVersions and returns "key@version" for versions and
// "key@version(marker)" for delete markers, plus the number of pages.
func listVersions(t *testing.T, c *s3.Client, bucket string) ([]string, int) {
	t.Helper()
	var out []string
	pages := 0
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page := must[*s3.ListObjectVersionsOutput](t, "list versions")(p.NextPage(bg))
		pages++
		for _, v := range page.Versions {
			out = append(out, aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId))
		}
		for _, m := range page.DeleteMarkers {
			out = append(out, aws.ToString(m.Key)+"@"+aws.ToString(m.VersionId)+"(marker)")
		}
	}
	slices.Sort(out)
	return out, pages
}

func TestS3UnversionedObjects(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("artifacts")}))
	put := must[*s3.PutObjectOutput](t, "put")(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("dir/a.zip"), Body: strings.NewReader("hello")}))
	if aws.ToString(put.ETag) != `"5d41402abc4b2a76b9719d911017c592"` { // md5("hello")
		t.Fatalf("etag %s", aws.ToString(put.ETag))
	}
	putObjects(t, c, "artifacts", "dir/a.zip", "b", "c", "d")
	got, pages := listVersions(t, c, "artifacts")
	if fmt.Sprint(got) != "[b@null c@null d@null dir/a.zip@null]" || pages != 2 {
		t.Fatalf("versions %v in %d pages (an overwrite replaces the null version)", got, pages)
	}
	first := must[*s3.ListObjectVersionsOutput](t, "first page")(c.ListObjectVersions(bg, &s3.ListObjectVersionsInput{Bucket: aws.String("artifacts")}))
	if !aws.ToBool(first.IsTruncated) || len(first.Versions) != 2 || aws.ToString(first.NextKeyMarker) == "" {
		t.Fatalf("first page truncated=%v versions=%d", aws.ToBool(first.IsTruncated), len(first.Versions))
	}
	v := first.Versions[0]
	if aws.ToInt64(v.Size) != int64(len("data of b")) || !aws.ToBool(v.IsLatest) || v.LastModified == nil || aws.ToString(v.ETag) == "" {
		t.Fatalf("version %+v", v)
	}

	_, err := c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("artifacts")})
	wantCode(t, "delete non-empty", err, "BucketNotEmpty")
	del := must[*s3.DeleteObjectsOutput](t, "delete objects")(c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("artifacts"),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("b")}, {Key: aws.String("c")}, {Key: aws.String("d")}, {Key: aws.String("dir/a.zip")}}}}))
	if len(del.Deleted) != 4 || len(del.Errors) != 0 {
		t.Fatalf("deleted %d errors %+v", len(del.Deleted), del.Errors)
	}
	must[*s3.DeleteBucketOutput](t, "delete empty")(c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("artifacts")}))
	_, err = c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("x"), Body: strings.NewReader("x")})
	wantCode(t, "put into deleted bucket", err, "NoSuchBucket")
}

func TestS3VersionedBucketNeedsEveryVersionDeleted(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.s3("eu-west-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("pipeline"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}))
	must[*s3.PutBucketVersioningOutput](t, "versioning")(c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("pipeline"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	if got := must[*s3.GetBucketVersioningOutput](t, "get versioning")(c.GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String("pipeline")})); got.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning %q", got.Status)
	}
	p1 := must[*s3.PutObjectOutput](t, "put 1")(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("pipeline"), Key: aws.String("src.zip"), Body: strings.NewReader("1")}))
	p2 := must[*s3.PutObjectOutput](t, "put 2")(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("pipeline"), Key: aws.String("src.zip"), Body: strings.NewReader("2")}))
	if aws.ToString(p1.VersionId) == "" || aws.ToString(p1.VersionId) == aws.ToString(p2.VersionId) {
		t.Fatalf("version ids %q %q", aws.ToString(p1.VersionId), aws.ToString(p2.VersionId))
	}

	// Deleting by key only adds a delete marker: the bucket is still not empty.
	del := must[*s3.DeleteObjectsOutput](t, "delete by key")(c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("pipeline"),
		Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("src.zip")}}}}))
	if len(del.Deleted) != 1 || !aws.ToBool(del.Deleted[0].DeleteMarker) || aws.ToString(del.Deleted[0].DeleteMarkerVersionId) == "" {
		t.Fatalf("deleted %+v", del.Deleted)
	}
	got, _ := listVersions(t, c, "pipeline")
	markers := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return !strings.HasSuffix(s, "(marker)") })
	if len(got) != 3 || len(markers) != 1 {
		t.Fatalf("versions after delete by key %v", got)
	}
	if n := len(e.live("s3", "delete-marker")) + len(e.live("s3", "object-version")); n != 3 {
		t.Fatalf("inventory lists %d versions and markers, want 3", n)
	}
	_, err := c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("pipeline")})
	wantCode(t, "delete with versions", err, "BucketNotEmpty")

	// DeleteObject by version removes exactly that version; by key it adds another marker.
	one := must[*s3.PutObjectOutput](t, "put 3")(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("pipeline"), Key: aws.String("one"), Body: strings.NewReader("x")}))
	gone := must[*s3.DeleteObjectOutput](t, "delete version")(c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("pipeline"), Key: aws.String("one"), VersionId: one.VersionId}))
	if aws.ToString(gone.VersionId) != aws.ToString(one.VersionId) || aws.ToBool(gone.DeleteMarker) {
		t.Fatalf("delete version: %+v", gone)
	}
	marker := must[*s3.DeleteObjectOutput](t, "delete key")(c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("pipeline"), Key: aws.String("src.zip")}))
	if !aws.ToBool(marker.DeleteMarker) || aws.ToString(marker.VersionId) == "" {
		t.Fatalf("delete key: %+v", marker)
	}
	if got, _ := listVersions(t, c, "pipeline"); len(got) != 4 {
		t.Fatalf("versions %v, want 2 versions and 2 markers of src.zip", got)
	}

	// Deleting every version and marker empties it.
	var ids []s3types.ObjectIdentifier
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String("pipeline")})
	for p.HasMorePages() {
		page := must[*s3.ListObjectVersionsOutput](t, "list")(p.NextPage(bg))
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
	}
	must[*s3.DeleteObjectsOutput](t, "delete versions")(c.DeleteObjects(bg, &s3.DeleteObjectsInput{Bucket: aws.String("pipeline"),
		Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}))
	must[*s3.DeleteBucketOutput](t, "delete bucket")(c.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("pipeline")}))
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("left %v", live)
	}
}

func TestS3VirtualHostStyle(t *testing.T) {
	e := newSvcEnv(t)
	// Requests go to http://vhost.localhost:port/; every name is dialled to the test server
	// and the simulator reads the bucket from the Host header.
	server := strings.TrimPrefix(e.url, "http://")
	cfg := e.cfg("us-east-1")
	cfg.BaseEndpoint = aws.String(strings.Replace(e.url, "127.0.0.1", "localhost", 1))
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, server)
	}}}
	c := s3.NewFromConfig(cfg)
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("vhost")}))
	putObjects(t, c, "vhost", "k")
	if got := e.live("s3", "object-version"); fmt.Sprint(got) != "[us-east-1/vhost/k?versionId=null]" {
		t.Fatalf("objects %v", got)
	}
}

func TestS3DeleteObjectsNeedsAChecksum(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("bkt1")}))
	req, _ := http.NewRequest(http.MethodPost, e.url+"/bkt1?delete", strings.NewReader(`<Delete><Object><Key>k</Key></Object></Delete>`))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400 InvalidRequest", resp.StatusCode)
	}
}

func TestS3PutObjectOverTLS(t *testing.T) {
	sim, err := awssim.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(srv.Close)
	e := &svcEnv{sim: sim, url: srv.URL}
	cfg := e.cfg("us-east-1")
	cfg.HTTPClient = srv.Client()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("tls-bucket")}))
	put := must[*s3.PutObjectOutput](t, "put")(c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("tls-bucket"), Key: aws.String("k"),
		Body: io.NopCloser(strings.NewReader("hello")), ContentLength: aws.Int64(5)}))
	if aws.ToString(put.ETag) != `"5d41402abc4b2a76b9719d911017c592"` {
		t.Fatalf("etag %s: the payload was not decoded", aws.ToString(put.ETag))
	}
}

// TestS3PutObjectAWSChunked sends the aws-chunked encoding (with a trailing checksum) that
// SDKs use for streamed uploads, as raw HTTP: the stored object is the decoded payload.
func TestS3PutObjectAWSChunked(t *testing.T) {
	e := newSvcEnv(t)
	c := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("chunked")}))
	body := "3\r\nhel\r\n2\r\nlo\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"
	req, _ := http.NewRequest(http.MethodPut, e.url+"/chunked/k", strings.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x")
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	req.Header.Set("X-Amz-Decoded-Content-Length", "5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"5d41402abc4b2a76b9719d911017c592"` {
		t.Fatalf("status %d etag %s, want md5 of the decoded payload", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestS3AndSSMStatePersists(t *testing.T) {
	path := t.TempDir() + "/state.json"
	e := newSvcEnv(t, awssim.WithStateFile(path))
	c := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("kept")}))
	must[*s3.PutBucketVersioningOutput](t, "versioning")(c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("kept"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	putObjects(t, c, "kept", "k")
	p := ssm.NewFromConfig(e.cfg("us-east-1"))
	must[*ssm.PutParameterOutput](t, "put parameter")(p.PutParameter(bg, &ssm.PutParameterInput{Name: aws.String("/p"), Value: aws.String("1"), Type: ssmtypes.ParameterTypeString}))

	again := newSvcEnv(t, awssim.WithStateFile(path))
	c2 := again.s3("us-east-1")
	_, err := c2.DeleteBucket(bg, &s3.DeleteBucketInput{Bucket: aws.String("kept")})
	wantCode(t, "restarted sim keeps objects", err, "BucketNotEmpty")
	if v := must[*s3.GetBucketVersioningOutput](t, "versioning")(c2.GetBucketVersioning(bg, &s3.GetBucketVersioningInput{Bucket: aws.String("kept")})); v.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning after restart %q", v.Status)
	}
	out := must[*ssm.PutParameterOutput](t, "overwrite")(ssm.NewFromConfig(again.cfg("us-east-1")).PutParameter(bg, &ssm.PutParameterInput{
		Name: aws.String("/p"), Value: aws.String("2"), Overwrite: aws.Bool(true)}))
	if out.Version != 2 {
		t.Fatalf("parameter version after restart %d, want 2", out.Version)
	}
}

// s3List pages through ListObjectsV2 and returns the keys and the common prefixes.
func s3List(t *testing.T, c *s3.Client, in *s3.ListObjectsV2Input) (keys, prefixes []string, pages int) {
	t.Helper()
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		out := must[*s3.ListObjectsV2Output](t, "list objects")(p.NextPage(bg))
		pages++
		if int(aws.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
			t.Fatalf("KeyCount %d for %d keys and %d prefixes", aws.ToInt32(out.KeyCount), len(out.Contents), len(out.CommonPrefixes))
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes, pages
}

func TestS3ListObjectsV2(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.s3("us-east-1")
	must[*s3.CreateBucketOutput](t, "create")(c.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("artifacts")}))
	must[*s3.PutBucketVersioningOutput](t, "versioning")(c.PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String("artifacts"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	putObjects(t, c, "artifacts", "a.txt", "app/BuildArtif/one.zip", "app/BuildArtif/two.zip", "app/SourceArti/src.zip", "gone", "z b+c.txt")
	putObjects(t, c, "artifacts", "a.txt") // a second version lists once
	must[*s3.DeleteObjectOutput](t, "delete")(c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("gone")}))

	for _, tc := range []struct {
		in             s3.ListObjectsV2Input
		keys, prefixes string
		pages          int
	}{
		{s3.ListObjectsV2Input{}, "[a.txt app/BuildArtif/one.zip app/BuildArtif/two.zip app/SourceArti/src.zip z b+c.txt]", "[]", 3},
		{s3.ListObjectsV2Input{Delimiter: aws.String("/")}, "[a.txt z b+c.txt]", "[app/]", 2},
		{s3.ListObjectsV2Input{Prefix: aws.String("app/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)}, "[]", "[app/BuildArtif/ app/SourceArti/]", 2},
		{s3.ListObjectsV2Input{Prefix: aws.String("app/BuildArtif/")}, "[app/BuildArtif/one.zip app/BuildArtif/two.zip]", "[]", 1},
		{s3.ListObjectsV2Input{StartAfter: aws.String("app/BuildArtif/one.zip"), MaxKeys: aws.Int32(10)}, "[app/BuildArtif/two.zip app/SourceArti/src.zip z b+c.txt]", "[]", 1},
		{s3.ListObjectsV2Input{EncodingType: s3types.EncodingTypeUrl, Prefix: aws.String("z")}, "[z+b%2Bc.txt]", "[]", 1},
	} {
		in := tc.in
		in.Bucket = aws.String("artifacts")
		keys, prefixes, pages := s3List(t, c, &in)
		if fmt.Sprint(keys) != tc.keys || fmt.Sprint(prefixes) != tc.prefixes || pages != tc.pages {
			t.Errorf("list %+v: keys %v prefixes %v in %d pages, want %s %s in %d", tc.in, keys, prefixes, pages, tc.keys, tc.prefixes, tc.pages)
		}
	}
	one := must[*s3.ListObjectsV2Output](t, "one")(c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("artifacts"), MaxKeys: aws.Int32(1), FetchOwner: aws.Bool(true)}))
	o := one.Contents[0]
	if !aws.ToBool(one.IsTruncated) || aws.ToString(one.NextContinuationToken) == "" || aws.ToString(o.Key) != "a.txt" ||
		aws.ToInt64(o.Size) != int64(len("data of a.txt")) || aws.ToString(o.ETag) == "" || o.LastModified == nil ||
		o.StorageClass != s3types.ObjectStorageClassStandard || o.Owner == nil || aws.ToInt32(one.MaxKeys) != 1 {
		t.Fatalf("first object %+v of %+v", o, one)
	}
	_, err := c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("artifacts"), ContinuationToken: aws.String("!")})
	wantCode(t, "bad token", err, "InvalidArgument")
	_, err = c.ListObjectsV2(bg, &s3.ListObjectsV2Input{Bucket: aws.String("missing")})
	wantCode(t, "missing bucket", err, "NoSuchBucket")
}

func TestS3ListBucketsPaginates(t *testing.T) {
	e := newSvcEnv(t)
	for _, b := range []struct{ name, region string }{{"alpha", "us-east-1"}, {"beta", "eu-west-1"}, {"gamma", "us-east-1"}, {"gamma-2", "us-east-1"}} {
		in := &s3.CreateBucketInput{Bucket: aws.String(b.name)}
		if b.region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(b.region)}
		}
		must[*s3.CreateBucketOutput](t, "create "+b.name)(e.s3(b.region).CreateBucket(bg, in))
	}
	c := e.s3("us-east-1")
	list := func(in *s3.ListBucketsInput) (names []string, pages int) {
		p := s3.NewListBucketsPaginator(c, in)
		for p.HasMorePages() {
			pages++
			for _, b := range must[*s3.ListBucketsOutput](t, "list buckets")(p.NextPage(bg)).Buckets {
				names = append(names, aws.ToString(b.Name)+"@"+aws.ToString(b.BucketRegion))
			}
		}
		return names, pages
	}
	for _, tc := range []struct {
		in    s3.ListBucketsInput
		want  string
		pages int
	}{
		{s3.ListBucketsInput{}, "[alpha@us-east-1 beta@eu-west-1 gamma@us-east-1 gamma-2@us-east-1]", 1},
		{s3.ListBucketsInput{MaxBuckets: aws.Int32(3)}, "[alpha@us-east-1 beta@eu-west-1 gamma@us-east-1 gamma-2@us-east-1]", 2},
		{s3.ListBucketsInput{Prefix: aws.String("gamma"), MaxBuckets: aws.Int32(1)}, "[gamma@us-east-1 gamma-2@us-east-1]", 2},
		{s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")}, "[beta@eu-west-1]", 1},
	} {
		if got, pages := list(&tc.in); fmt.Sprint(got) != tc.want || pages != tc.pages {
			t.Errorf("list buckets %+v: %v in %d pages, want %s in %d", tc.in, got, pages, tc.want, tc.pages)
		}
	}
	_, err := c.ListBuckets(bg, &s3.ListBucketsInput{MaxBuckets: aws.Int32(10001)})
	wantCode(t, "max buckets", err, "InvalidArgument")
}
