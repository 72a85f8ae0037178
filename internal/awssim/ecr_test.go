package awssim_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// svcEnv is a simulator behind an httptest server and an SDK config pointed at it; the
// ECR, SSM and S3 tests share it.
type svcEnv struct {
	sim   *awssim.Sim
	clock *awssim.ManualClock
	url   string
}

func newSvcEnv(t *testing.T, opts ...awssim.Option) *svcEnv {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &svcEnv{sim: sim, clock: clock, url: srv.URL}
}

func (e *svcEnv) cfg(region string) aws.Config {
	return aws.Config{
		Region:           region,
		BaseEndpoint:     aws.String(e.url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	}
}

func (e *svcEnv) ecr(region string) *ecr.Client { return ecr.NewFromConfig(e.cfg(region)) }

// live returns the IDs of the live resources of one service and type.
func (e *svcEnv) live(service, typ string) []string {
	var ids []string
	for _, r := range e.sim.ListLive() {
		if r.Service == service && r.Type == typ {
			ids = append(ids, r.Region+"/"+r.ID)
		}
	}
	return ids
}

// apiCode is the AWS error code the SDK decoded ("" for nil); a non-API error fails the test.
func apiCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an API error: %v", err)
	}
	return apiErr.ErrorCode()
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := apiCode(t, err); got != want {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

var bg = context.Background()

const testPolicy = `{"rules":[{"rulePriority":1,"description":"untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`

func TestECRRepositoryLifecycle(t *testing.T) {
	e := newSvcEnv(t)
	c := e.ecr("eu-west-1")
	out := must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String("team/app"),
		ImageTagMutability:         ecrtypes.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
		EncryptionConfiguration:    &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms, KmsKey: aws.String("1234abcd-12ab")},
		Tags:                       []ecrtypes.Tag{{Key: aws.String("owner"), Value: aws.String("me")}},
	}))
	r := out.Repository
	if got, want := aws.ToString(r.RepositoryUri), "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app"; got != want {
		t.Fatalf("uri %q, want %q", got, want)
	}
	if got, want := aws.ToString(r.RepositoryArn), "arn:aws:ecr:eu-west-1:123456789012:repository/team/app"; got != want {
		t.Fatalf("arn %q, want %q", got, want)
	}
	if r.CreatedAt == nil || !r.CreatedAt.Equal(e.clock.Now()) || aws.ToString(r.RegistryId) != "123456789012" {
		t.Fatalf("createdAt %v registry %v", r.CreatedAt, aws.ToString(r.RegistryId))
	}

	// Encryption, scanning and mutability are stored and read back.
	desc := must[*ecr.DescribeRepositoriesOutput](t, "describe")(c.DescribeRepositories(bg, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}}))
	got := desc.Repositories[0]
	if got.EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeKms ||
		aws.ToString(got.EncryptionConfiguration.KmsKey) != "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab" ||
		!got.ImageScanningConfiguration.ScanOnPush || got.ImageTagMutability != ecrtypes.ImageTagMutabilityImmutable {
		t.Fatalf("described %+v %+v %v", got.EncryptionConfiguration, got.ImageScanningConfiguration, got.ImageTagMutability)
	}

	_, err := c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/app")})
	wantCode(t, "create twice", err, "RepositoryAlreadyExistsException")
	_, err = c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("Team_App")})
	wantCode(t, "uppercase name", err, "InvalidParameterException")
	_, err = c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("x"),
		EncryptionConfiguration: &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeAes256, KmsKey: aws.String("k")}})
	wantCode(t, "AES256 with key", err, "InvalidParameterException")

	// Regions are separate registries.
	_, err = e.ecr("us-east-1").DescribeRepositories(bg, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}})
	wantCode(t, "other region", err, "RepositoryNotFoundException")

	// Scanning and mutability change; the default repository is AES256, MUTABLE, no scanning.
	must[*ecr.PutImageScanningConfigurationOutput](t, "scan")(c.PutImageScanningConfiguration(bg, &ecr.PutImageScanningConfigurationInput{
		RepositoryName: aws.String("team/app"), ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: false}}))
	must[*ecr.PutImageTagMutabilityOutput](t, "mutability")(c.PutImageTagMutability(bg, &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("team/app"), ImageTagMutability: ecrtypes.ImageTagMutabilityMutable}))
	desc = must[*ecr.DescribeRepositoriesOutput](t, "describe")(c.DescribeRepositories(bg, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/app"}}))
	if got := desc.Repositories[0]; got.ImageScanningConfiguration.ScanOnPush || got.ImageTagMutability != ecrtypes.ImageTagMutabilityMutable {
		t.Fatalf("after put: scan %v mutability %v", got.ImageScanningConfiguration.ScanOnPush, got.ImageTagMutability)
	}
	_, err = c.PutImageTagMutability(bg, &ecr.PutImageTagMutabilityInput{RepositoryName: aws.String("nope"), ImageTagMutability: ecrtypes.ImageTagMutabilityMutable})
	wantCode(t, "mutability of missing repo", err, "RepositoryNotFoundException")

	aliased := must[*ecr.CreateRepositoryOutput](t, "create with alias")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("aliased"),
		EncryptionConfiguration: &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms, KmsKey: aws.String("alias/app")}}))
	if key := aws.ToString(aliased.Repository.EncryptionConfiguration.KmsKey); !strings.HasPrefix(key, "arn:aws:kms:eu-west-1:123456789012:key/") {
		t.Fatalf("an alias is reported as the key ARN it names, got %q", key)
	}
	must[*ecr.DeleteRepositoryOutput](t, "delete aliased")(c.DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("aliased")}))

	plain := must[*ecr.CreateRepositoryOutput](t, "create plain")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("plain")}))
	if p := plain.Repository; p.EncryptionConfiguration.EncryptionType != ecrtypes.EncryptionTypeAes256 ||
		p.ImageTagMutability != ecrtypes.ImageTagMutabilityMutable || p.ImageScanningConfiguration.ScanOnPush {
		t.Fatalf("defaults %+v %v %v", p.EncryptionConfiguration, p.ImageTagMutability, p.ImageScanningConfiguration.ScanOnPush)
	}

	if ids := e.live("ecr", "repository"); fmt.Sprint(ids) != "[eu-west-1/plain eu-west-1/team/app]" {
		t.Fatalf("inventory %v", ids)
	}
	must[*ecr.DeleteRepositoryOutput](t, "delete")(c.DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("plain")}))
	_, err = c.DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("plain")})
	wantCode(t, "delete twice", err, "RepositoryNotFoundException")
	e.sim.Reset()
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("after Reset: %v", live)
	}
}

func TestECRDescribeRepositoriesPaginates(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.ecr("us-east-1")
	for i := range 5 {
		must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String(fmt.Sprintf("repo-%d", i))}))
	}
	first := must[*ecr.DescribeRepositoriesOutput](t, "page")(c.DescribeRepositories(bg, &ecr.DescribeRepositoriesInput{}))
	if len(first.Repositories) != 2 || first.NextToken == nil {
		t.Fatalf("first page: %d repositories, next %v", len(first.Repositories), first.NextToken)
	}
	var names []string
	pages := ecr.NewDescribeRepositoriesPaginator(c, &ecr.DescribeRepositoriesInput{})
	for pages.HasMorePages() {
		out := must[*ecr.DescribeRepositoriesOutput](t, "page")(pages.NextPage(bg))
		for _, r := range out.Repositories {
			names = append(names, aws.ToString(r.RepositoryName))
		}
	}
	if fmt.Sprint(names) != "[repo-0 repo-1 repo-2 repo-3 repo-4]" {
		t.Fatalf("paginated names %v", names)
	}
	_, err := c.DescribeRepositories(bg, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"repo-1", "missing"}})
	wantCode(t, "describe missing", err, "RepositoryNotFoundException")
}

func TestECRLifecyclePolicy(t *testing.T) {
	e := newSvcEnv(t)
	c := e.ecr("us-east-1")
	must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")}))
	_, err := c.GetLifecyclePolicy(bg, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")})
	wantCode(t, "get before put", err, "LifecyclePolicyNotFoundException")
	must[*ecr.PutLifecyclePolicyOutput](t, "put")(c.PutLifecyclePolicy(bg, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(testPolicy)}))
	got := must[*ecr.GetLifecyclePolicyOutput](t, "get")(c.GetLifecyclePolicy(bg, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("app")}))
	if aws.ToString(got.LifecyclePolicyText) != testPolicy {
		t.Fatalf("policy %s", aws.ToString(got.LifecyclePolicyText))
	}
	for name, bad := range map[string]string{
		"not json":          `{"rules": [` + string(make([]byte, 120)),
		"any not last":      `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`,
		"tagged, no prefix": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}            `,
		"days missing":      `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countNumber":1},"action":{"type":"expire"}}]}                         `,
	} {
		_, err := c.PutLifecyclePolicy(bg, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(bad)})
		wantCode(t, name, err, "InvalidParameterException")
	}
	del := must[*ecr.DeleteLifecyclePolicyOutput](t, "delete")(c.DeleteLifecyclePolicy(bg, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")}))
	if aws.ToString(del.LifecyclePolicyText) != testPolicy {
		t.Fatalf("deleted policy %s", aws.ToString(del.LifecyclePolicyText))
	}
	_, err = c.DeleteLifecyclePolicy(bg, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")})
	wantCode(t, "delete twice", err, "LifecyclePolicyNotFoundException")
	_, err = c.GetLifecyclePolicy(bg, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("missing")})
	wantCode(t, "policy of missing repo", err, "RepositoryNotFoundException")
}

func manifest(n int) string {
	return fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:%064d"}}`, n)
}

func TestECRImages(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.ecr("us-east-1")
	must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app"),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true}}))
	put := func(n int, tag string) (*ecr.PutImageOutput, error) {
		in := &ecr.PutImageInput{RepositoryName: aws.String("app"), ImageManifest: aws.String(manifest(n))}
		if tag != "" {
			in.ImageTag = aws.String(tag)
		}
		return c.PutImage(bg, in)
	}
	first := must[*ecr.PutImageOutput](t, "put 1")(put(1, "latest"))
	if d := aws.ToString(first.Image.ImageId.ImageDigest); len(d) != len("sha256:")+64 {
		t.Fatalf("digest %q", d)
	}
	must[*ecr.PutImageOutput](t, "put 2")(put(2, "latest")) // mutable: latest moves to image 2
	must[*ecr.PutImageOutput](t, "put 3")(put(3, ""))
	_, err := put(2, "latest")
	wantCode(t, "same image and tag", err, "ImageAlreadyExistsException")

	var all []ecrtypes.ImageDetail
	pages := ecr.NewDescribeImagesPaginator(c, &ecr.DescribeImagesInput{RepositoryName: aws.String("app")})
	for pages.HasMorePages() {
		all = append(all, must[*ecr.DescribeImagesOutput](t, "describe images")(pages.NextPage(bg)).ImageDetails...)
	}
	if len(all) != 3 {
		t.Fatalf("%d images, want 3", len(all))
	}
	untagged := must[*ecr.DescribeImagesOutput](t, "untagged")(c.DescribeImages(bg, &ecr.DescribeImagesInput{
		RepositoryName: aws.String("app"), Filter: &ecrtypes.DescribeImagesFilter{TagStatus: ecrtypes.TagStatusUntagged}, MaxResults: aws.Int32(10)}))
	if len(untagged.ImageDetails) != 2 { // image 1 lost "latest", image 3 never had a tag
		t.Fatalf("%d untagged images, want 2", len(untagged.ImageDetails))
	}
	latest := must[*ecr.DescribeImagesOutput](t, "latest")(c.DescribeImages(bg, &ecr.DescribeImagesInput{
		RepositoryName: aws.String("app"), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("latest")}}}))
	img := latest.ImageDetails[0]
	if img.ImagePushedAt == nil || img.ImageScanStatus == nil || img.ImageScanStatus.Status != ecrtypes.ScanStatusComplete ||
		fmt.Sprint(img.ImageTags) != "[latest]" || aws.ToInt64(img.ImageSizeInBytes) != int64(len(manifest(2))) {
		t.Fatalf("latest image %+v", img)
	}
	_, err = c.DescribeImages(bg, &ecr.DescribeImagesInput{RepositoryName: aws.String("app"), ImageIds: []ecrtypes.ImageIdentifier{{ImageTag: aws.String("v9")}}})
	wantCode(t, "missing tag", err, "ImageNotFoundException")

	must[*ecr.PutImageTagMutabilityOutput](t, "immutable")(c.PutImageTagMutability(bg, &ecr.PutImageTagMutabilityInput{
		RepositoryName: aws.String("app"), ImageTagMutability: ecrtypes.ImageTagMutabilityImmutable}))
	_, err = put(4, "latest")
	wantCode(t, "immutable tag", err, "ImageTagAlreadyExistsException")

	if n := len(e.live("ecr", "image")); n != 3 {
		t.Fatalf("inventory lists %d images, want 3", n)
	}
	_, err = c.DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	wantCode(t, "delete with images", err, "RepositoryNotEmptyException")
	must[*ecr.DeleteRepositoryOutput](t, "force delete")(c.DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app"), Force: true}))
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("after force delete: %v", live)
	}
}

func TestECRTags(t *testing.T) {
	e := newSvcEnv(t)
	c := e.ecr("us-east-1")
	repo := must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app"),
		Tags: []ecrtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})).Repository
	must[*ecr.TagResourceOutput](t, "tag")(c.TagResource(bg, &ecr.TagResourceInput{ResourceArn: repo.RepositoryArn,
		Tags: []ecrtypes.Tag{{Key: aws.String("a"), Value: aws.String("2")}, {Key: aws.String("b"), Value: aws.String("3")}}}))
	must[*ecr.UntagResourceOutput](t, "untag")(c.UntagResource(bg, &ecr.UntagResourceInput{ResourceArn: repo.RepositoryArn, TagKeys: []string{"b"}}))
	tags := must[*ecr.ListTagsForResourceOutput](t, "list")(c.ListTagsForResource(bg, &ecr.ListTagsForResourceInput{ResourceArn: repo.RepositoryArn}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "a" || aws.ToString(tags.Tags[0].Value) != "2" {
		t.Fatalf("tags %+v", tags.Tags)
	}
	if live := e.sim.ListLive(); live[0].Tags["a"] != "2" {
		t.Fatalf("inventory tags %v", live[0].Tags)
	}
	_, err := c.ListTagsForResource(bg, &ecr.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:ecr:us-east-1:123456789012:repository/missing")})
	wantCode(t, "tags of missing", err, "RepositoryNotFoundException")
	_, err = c.TagResource(bg, &ecr.TagResourceInput{ResourceArn: repo.RepositoryArn, Tags: []ecrtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}})
	wantCode(t, "reserved prefix", err, "InvalidTagParameterException")
}

func TestECRStatePersists(t *testing.T) {
	path := t.TempDir() + "/state.json"
	e := newSvcEnv(t, awssim.WithStateFile(path))
	c := e.ecr("us-east-1")
	must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")}))
	must[*ecr.PutImageOutput](t, "put")(c.PutImage(bg, &ecr.PutImageInput{RepositoryName: aws.String("app"), ImageManifest: aws.String(manifest(1))}))
	again := newSvcEnv(t, awssim.WithStateFile(path))
	_, err := again.ecr("us-east-1").DeleteRepository(bg, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("app")})
	wantCode(t, "restarted sim keeps images", err, "RepositoryNotEmptyException")
}

func TestECRListImages(t *testing.T) {
	e := newSvcEnv(t, awssim.WithPageSize(2))
	c := e.ecr("us-east-1")
	must[*ecr.CreateRepositoryOutput](t, "create")(c.CreateRepository(bg, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")}))
	digests := map[int]string{}
	for _, img := range []struct {
		n   int
		tag string
	}{{1, "v1"}, {1, "latest"}, {2, "v2"}, {3, ""}} {
		in := &ecr.PutImageInput{RepositoryName: aws.String("app"), ImageManifest: aws.String(manifest(img.n))}
		if img.tag != "" {
			in.ImageTag = aws.String(img.tag)
		}
		out := must[*ecr.PutImageOutput](t, "put")(c.PutImage(bg, in))
		digests[img.n] = aws.ToString(out.Image.ImageId.ImageDigest)
	}
	list := func(in *ecr.ListImagesInput) map[string]string {
		got := map[string]string{}
		for pages := ecr.NewListImagesPaginator(c, in); pages.HasMorePages(); {
			for _, id := range must[*ecr.ListImagesOutput](t, "list images")(pages.NextPage(bg)).ImageIds {
				got[aws.ToString(id.ImageTag)] += aws.ToString(id.ImageDigest)
			}
		}
		return got
	}
	all := list(&ecr.ListImagesInput{RepositoryName: aws.String("app")})
	want := map[string]string{"v1": digests[1], "latest": digests[1], "v2": digests[2], "": digests[3]}
	if !maps.Equal(all, want) {
		t.Fatalf("images %v, want %v", all, want)
	}
	if got := list(&ecr.ListImagesInput{RepositoryName: aws.String("app"), Filter: &ecrtypes.ListImagesFilter{TagStatus: ecrtypes.TagStatusUntagged}}); len(got) != 1 || got[""] != digests[3] {
		t.Fatalf("untagged %v", got)
	}
	if got := list(&ecr.ListImagesInput{RepositoryName: aws.String("app"), Filter: &ecrtypes.ListImagesFilter{TagStatus: ecrtypes.TagStatusTagged}}); len(got) != 3 || got[""] != "" {
		t.Fatalf("tagged %v", got)
	}
	_, err := c.ListImages(bg, &ecr.ListImagesInput{RepositoryName: aws.String("missing")})
	wantCode(t, "missing repository", err, "RepositoryNotFoundException")
	_, err = c.ListImages(bg, &ecr.ListImagesInput{RepositoryName: aws.String("app"), MaxResults: aws.Int32(1001)})
	wantCode(t, "max results", err, "InvalidParameterException")
}
