package awssim

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// These tests pin the JSON 1.1 and REST-XML envelopes with stand-in services, so the ECR,
// S3 and SSM services built on them inherit envelopes the real SDK decodes.

type noState struct{}

func (noState) Reset()                    {}
func (noState) Live(time.Time) []Resource { return nil }

func protocolSim(t *testing.T) (*Sim, aws.Config) {
	t.Helper()
	sim, err := New(WithClock(NewManualClock(time.Unix(1700000000, 0))))
	if err != nil {
		t.Fatal(err)
	}
	sim.services["ecr"] = &Service{Name: "ecr", Protocol: JSON11, TargetPrefix: "AmazonEC2ContainerRegistry_V20150921", State: noState{},
		Ops: map[string]Op{
			"DescribeRepositories": func(c *Call) (any, error) {
				var in struct {
					RepositoryNames []string `json:"repositoryNames"`
				}
				if err := c.DecodeJSON(&in); err != nil {
					return nil, err
				}
				if len(in.RepositoryNames) > 0 && in.RepositoryNames[0] == "missing" {
					return nil, Errorf("RepositoryNotFoundException", "The repository with name 'missing' does not exist")
				}
				return map[string]any{"repositories": []map[string]any{{"repositoryName": "app", "createdAt": EpochSeconds(c.Now)}}}, nil
			},
		}}
	sim.services["s3"] = &Service{Name: "s3", Protocol: RESTXML, State: noState{},
		Route: func(r *http.Request) string {
			if r.Method == http.MethodHead {
				return "HeadBucket"
			}
			if r.Method == http.MethodPut {
				return "CreateBucket"
			}
			return "ListObjectsV2"
		},
		Ops: map[string]Op{
			"HeadBucket": func(*Call) (any, error) {
				return nil, Errorf("NotFound", "Not Found").WithStatus(http.StatusNotFound)
			},
			"CreateBucket": func(*Call) (any, error) {
				return nil, Errorf("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded").WithStatus(http.StatusConflict)
			},
			"ListObjectsV2": func(c *Call) (any, error) {
				bucket, _ := BucketAndKey(c.HTTP)
				return struct {
					XMLName  xml.Name `xml:"ListBucketResult"`
					Name     string   `xml:"Name"`
					KeyCount int      `xml:"KeyCount"`
				}{Name: bucket}, nil
			},
		}}
	sim.order = append(sim.order, "ecr", "s3")
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
}

func errCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestJSON11Envelope(t *testing.T) {
	sim, cfg := protocolSim(t)
	client := ecr.NewFromConfig(cfg)
	out, err := client.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Repositories[0].RepositoryName) != "app" || !out.Repositories[0].CreatedAt.Equal(time.Unix(1700000000, 0)) {
		t.Fatalf("repositories = %+v", out.Repositories)
	}
	_, err = client.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"missing"}})
	if got := errCode(err); got != "RepositoryNotFoundException" {
		t.Fatalf("code = %q (%v)", got, err)
	}
	sim.SetFaults(Faults{ThrottleRate: 1})
	_, err = client.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{})
	if got := errCode(err); got != "ThrottlingException" {
		t.Fatalf("throttled JSON call code = %q (%v)", got, err)
	}
}

func TestRESTXMLEnvelope(t *testing.T) {
	_, cfg := protocolSim(t)
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	out, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Name) != "artifacts" {
		t.Fatalf("bucket from path = %q", aws.ToString(out.Name))
	}
	_, err = client.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("nope")})
	if got := errCode(err); got != "NotFound" {
		t.Fatalf("HeadBucket code = %q (%v)", got, err)
	}
	_, err = client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("artifacts")})
	if got := errCode(err); got != "BucketAlreadyOwnedByYou" {
		t.Fatalf("CreateBucket code = %q (%v)", got, err)
	}
}

func TestBucketAndKey(t *testing.T) {
	for _, tc := range []struct{ host, path, bucket, key string }{
		{"127.0.0.1:4566", "/artifacts/a/b.zip", "artifacts", "a/b.zip"},
		{"localhost:4566", "/artifacts", "artifacts", ""},
		{"artifacts.s3.localhost.localstack.cloud:4566", "/a/b.zip", "artifacts", "a/b.zip"},
		{"artifacts.localhost:4566", "/k", "artifacts", "k"},
		{"artifacts.s3.us-east-1.amazonaws.com", "/k", "artifacts", "k"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://"+tc.host+tc.path, nil)
		if b, k := BucketAndKey(r); b != tc.bucket || k != tc.key {
			t.Fatalf("%s%s: bucket %q key %q, want %q %q", tc.host, tc.path, b, k, tc.bucket, tc.key)
		}
	}
}

func TestParamsFlattenedLists(t *testing.T) {
	p := ParseParams(map[string][]string{
		"Filter.2.Name": {"vpc-id"}, "Filter.2.Value.1": {"vpc-1"},
		"Filter.1.Name": {"tag:Name"}, "Filter.1.Value.1": {"a"}, "Filter.1.Value.2": {"b"},
		"TagSpecification.1.ResourceType": {"vpc"}, "TagSpecification.1.Tag.1.Key": {"k"}, "TagSpecification.1.Tag.1.Value": {"v"},
		"Tags.member.1.Key": {"q"}, "Tags.member.1.Value": {"w"}, "Tags.member.10.Key": {"z"},
	})
	f := ParseFilters(p, "Filter")
	if len(f) != 2 || f[0].Name != "tag:Name" || len(f[0].Values) != 2 || f[1].Values[0] != "vpc-1" {
		t.Fatalf("filters = %+v", f)
	}
	if m := p.List("TagSpecification")[0].Map("Tag", "Key", "Value"); m["k"] != "v" {
		t.Fatalf("tag spec = %v", m)
	}
	if l := p.List("Tags"); len(l) != 2 || l[0].String("Key") != "q" || l[1].String("Key") != "z" {
		t.Fatalf("awsquery member list = %+v", l)
	}
	if p.Get("No.Such.Path").String("x") != "" || p.List("nope") != nil {
		t.Fatalf("missing paths must read as empty")
	}
}
