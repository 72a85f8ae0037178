package cicd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const (
	resourceBucket = "artifacts"
	// noncurrentVersionDays is how long an overwritten or expired artifact version is kept.
	noncurrentVersionDays = 30
	// abortUploadDays cleans up multipart uploads an interrupted action left behind.
	abortUploadDays = 7
	// Lifecycle rule IDs: versioned buckets need a second rule for the delete markers that
	// expiring current versions leaves, as S3 takes Days and ExpiredObjectDeleteMarker in
	// separate rules.
	ruleArtifacts     = "flaskops-artifacts"
	ruleDeleteMarkers = "flaskops-delete-markers"
	// defaultRetentionDays is the API default, for a spec the API server has not defaulted.
	defaultRetentionDays = 90
)

// bucketName is the artifact bucket's name: S3 names are global, so it is scoped to the
// account and region as well as to the object.
func (p *pass) bucketName() string {
	return p.Owner().ScopedName(cloud.BucketName, resourceBucket, p.account, p.region)
}

func (p *pass) retentionDays() int32 {
	if d := p.fd.Spec.Pipeline.ArtifactRetentionDays; d > 0 {
		return d
	}
	return defaultRetentionDays
}

// reconcileBucket finds (by name, proven ours by its tags) or creates the artifact bucket,
// then keeps it versioned, closed to the public, encrypted, expiring old artifacts, and
// tagged.
func (p *pass) reconcileBucket(ctx context.Context) error {
	name := p.bucketName()
	st := &p.fd.Status.Pipeline
	have, found, err := p.bucketTags(ctx, name)
	if err != nil {
		return err
	}
	created := false
	if !found {
		if st.ArtifactBucket == name {
			p.Drift(ctx, "artifact bucket %s was deleted; creating it again", name)
		}
		if !p.MayWrite(true, "artifact bucket %s", name) {
			p.Stop()
			return nil
		}
		if err := p.createBucket(ctx, name); err != nil {
			return err
		}
		created = true
	} else {
		if err := p.RepairTags(ctx, kindBucket, name, p.Tags(resourceBucket), have, p.bucketTagger(have)); err != nil {
			return err
		}
		st.ArtifactBucket = name
	}
	for _, converge := range []func(context.Context, string, bool) error{
		p.reconcileVersioning, p.reconcilePublicAccessBlock, p.reconcileEncryption, p.reconcileLifecycle,
	} {
		if err := converge(ctx, name, created); err != nil {
			return err
		}
	}
	return nil
}

// bucketTags reads the bucket's tags; found is false when there is no such bucket.
func (p *pass) bucketTags(ctx context.Context, name string) (tags map[string]string, found bool, err error) {
	out, err := p.S3.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(name)})
	switch {
	case cloud.IsNotFound(err):
		return nil, false, nil
	case cloud.IsNoSuchConfiguration(err):
		return map[string]string{}, true, nil
	case err != nil:
		return nil, false, fmt.Errorf("get tags of bucket %s: %w", name, err)
	}
	return cloud.FromS3(out.TagSet), true, nil
}

// createBucket creates the bucket with its tags. Its name goes to status first: an
// object whose status names no bucket has none, which lets an object without a pipeline
// skip every lookup.
func (p *pass) createBucket(ctx context.Context, name string) error {
	p.fd.Status.Pipeline.ArtifactBucket = name
	if err := stage.Checkpoint(ctx); err != nil {
		return fmt.Errorf("save status before creating bucket %s: %w", name, err)
	}
	cfg := &s3types.CreateBucketConfiguration{Tags: cloud.ToS3(p.Tags(resourceBucket))}
	if p.region != "us-east-1" { // us-east-1 refuses its own name as a location constraint
		cfg.LocationConstraint = s3types.BucketLocationConstraint(p.region)
	}
	_, err := p.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name), CreateBucketConfiguration: cfg})
	if cloud.IsAlreadyExists(err) {
		// Created since we looked: check it as found.
		have, found, err := p.bucketTags(ctx, name)
		if err != nil || !found {
			return fmt.Errorf("get bucket %s after BucketAlreadyOwnedByYou: %w", name, err)
		}
		return p.CheckOwner(kindBucket, name, have)
	}
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	p.Created(ctx, kindBucket, name)
	return stage.CheckpointCreated(ctx, "bucket "+name)
}

// bucketTagger writes a bucket's tags: S3 replaces the whole set, so it keeps the set the
// bucket has and changes that.
func (p *pass) bucketTagger(have map[string]string) cloud.Tagger {
	set := maps.Clone(have)
	put := func(ctx context.Context, name string) error {
		_, err := p.S3.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(name), Tagging: &s3types.Tagging{TagSet: cloud.ToS3(set)}})
		return err
	}
	return cloud.TaggerFuncs{
		Add: func(ctx context.Context, name string, tags map[string]string) error {
			maps.Copy(set, tags)
			return put(ctx, name)
		},
		Remove: func(ctx context.Context, name string, keys []string) error {
			for _, k := range keys {
				delete(set, k)
			}
			return put(ctx, name)
		},
	}
}

// reconcileVersioning keeps versioning on: the pipeline reads artifacts by version.
func (p *pass) reconcileVersioning(ctx context.Context, name string, created bool) error {
	have := s3types.BucketVersioningStatus("")
	if !created {
		out, err := p.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
		if err != nil {
			return fmt.Errorf("get versioning of bucket %s: %w", name, err)
		}
		if have = out.Status; have == s3types.BucketVersioningStatusEnabled {
			return nil
		}
		if !p.MayWrite(false, "versioning of bucket %s is %s", name, versioningState(string(have))) {
			return nil
		}
	}
	if _, err := p.S3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return fmt.Errorf("enable versioning of bucket %s: %w", name, err)
	}
	if !created {
		p.Drift(ctx, "versioning of bucket %s was %s; enabled again", name, versioningState(string(have)))
	}
	return nil
}

// reconcilePublicAccessBlock keeps all four public access blocks on.
func (p *pass) reconcilePublicAccessBlock(ctx context.Context, name string, created bool) error {
	if !created {
		out, err := p.S3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(name)})
		if err != nil && !cloud.IsNoSuchConfiguration(err) {
			return fmt.Errorf("get public access block of bucket %s: %w", name, err)
		}
		if err == nil && allBlocked(out.PublicAccessBlockConfiguration) {
			return nil
		}
		if !p.MayWrite(false, "public access of bucket %s is not blocked", name) {
			return nil
		}
	}
	if _, err := p.S3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(name),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		return fmt.Errorf("block public access to bucket %s: %w", name, err)
	}
	if !created {
		p.Drift(ctx, "public access to bucket %s was unblocked; blocked again", name)
	}
	return nil
}

func allBlocked(c *s3types.PublicAccessBlockConfiguration) bool {
	return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) &&
		aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
}

// reconcileEncryption keeps default encryption at SSE-S3: the service roles hold no KMS
// key permissions, so another key would break the pipeline.
func (p *pass) reconcileEncryption(ctx context.Context, name string, created bool) error {
	have := "none"
	if !created {
		out, err := p.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(name)})
		if err != nil && !cloud.IsNoSuchConfiguration(err) {
			return fmt.Errorf("get encryption of bucket %s: %w", name, err)
		}
		if err == nil && out.ServerSideEncryptionConfiguration != nil && len(out.ServerSideEncryptionConfiguration.Rules) > 0 {
			if d := out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; d != nil {
				if d.SSEAlgorithm == s3types.ServerSideEncryptionAes256 && aws.ToString(d.KMSMasterKeyID) == "" {
					return nil
				}
				have = string(d.SSEAlgorithm)
			}
		}
		if !p.MayWrite(false, "default encryption of bucket %s is %s, not SSE-S3", name, have) {
			return nil
		}
	}
	if _, err := p.S3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(name),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
		}}}}); err != nil {
		return fmt.Errorf("set encryption of bucket %s: %w", name, err)
	}
	if !created {
		p.Drift(ctx, "default encryption of bucket %s was %s; set to SSE-S3 again", name, have)
	}
	return nil
}

// lifecycleRules expire artifacts after spec.pipeline.artifactRetentionDays, their
// noncurrent versions 30 days later, and the delete markers left then.
func (p *pass) lifecycleRules() []s3types.LifecycleRule {
	all := &s3types.LifecycleRuleFilter{Prefix: aws.String("")}
	return []s3types.LifecycleRule{
		{ID: aws.String(ruleArtifacts), Status: s3types.ExpirationStatusEnabled, Filter: all,
			Expiration:                     &s3types.LifecycleExpiration{Days: aws.Int32(p.retentionDays())},
			NoncurrentVersionExpiration:    &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(noncurrentVersionDays)},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(abortUploadDays)}},
		{ID: aws.String(ruleDeleteMarkers), Status: s3types.ExpirationStatusEnabled, Filter: all,
			Expiration: &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
	}
}

// lifecycleSummary is what decides a lifecycle configuration's effect, in a comparable form.
func lifecycleSummary(rules []s3types.LifecycleRule) string {
	out := make([]string, 0, len(rules))
	for _, r := range rules {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s prefix=%q", aws.ToString(r.ID), r.Status, aws.ToString(r.Prefix))
		if f := r.Filter; f != nil {
			fmt.Fprintf(&b, " filter=%q tag=%v and=%v size=%d-%d", aws.ToString(f.Prefix), f.Tag != nil, f.And != nil,
				aws.ToInt64(f.ObjectSizeGreaterThan), aws.ToInt64(f.ObjectSizeLessThan))
		}
		if x := r.Expiration; x != nil {
			fmt.Fprintf(&b, " expire=%d/%v/%v", aws.ToInt32(x.Days), x.Date != nil, aws.ToBool(x.ExpiredObjectDeleteMarker))
		}
		if x := r.NoncurrentVersionExpiration; x != nil {
			fmt.Fprintf(&b, " noncurrent=%d/%d", aws.ToInt32(x.NoncurrentDays), aws.ToInt32(x.NewerNoncurrentVersions))
		}
		if x := r.AbortIncompleteMultipartUpload; x != nil {
			fmt.Fprintf(&b, " abort=%d", aws.ToInt32(x.DaysAfterInitiation))
		}
		fmt.Fprintf(&b, " transitions=%d/%d", len(r.Transitions), len(r.NoncurrentVersionTransitions))
		out = append(out, b.String())
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// reconcileLifecycle puts the lifecycle rules when the bucket's differ.
func (p *pass) reconcileLifecycle(ctx context.Context, name string, created bool) error {
	want := p.lifecycleRules()
	if !created {
		out, err := p.S3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(name)})
		var have []s3types.LifecycleRule
		switch {
		case cloud.IsNoSuchConfiguration(err):
		case err != nil:
			return fmt.Errorf("get lifecycle of bucket %s: %w", name, err)
		default:
			have = out.Rules
		}
		if lifecycleSummary(have) == lifecycleSummary(want) {
			return nil
		}
		if !p.MayWrite(false, "lifecycle of bucket %s differs from the spec", name) {
			return nil
		}
	}
	if _, err := p.S3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(name),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: want}}); err != nil {
		return fmt.Errorf("set lifecycle of bucket %s: %w", name, err)
	}
	if !created {
		p.repaired(ctx, "UpdatedArtifactBucket", "lifecycle of bucket %s set: artifacts expire after %d days, noncurrent versions after %d",
			name, p.retentionDays(), noncurrentVersionDays)
	}
	return nil
}

// deleteBucket empties the bucket of every object version and delete marker, then deletes
// it, if its tags prove it ours.
func (p *pass) deleteBucket(ctx context.Context) (bool, error) {
	name := p.bucketName()
	tags, found, err := p.bucketTags(ctx, name)
	if err != nil {
		return false, err
	}
	if found && p.Deletable(ctx, kindBucket, name, tags) {
		if err := p.emptyBucket(ctx, name); err != nil {
			return false, err
		}
		if _, err := p.S3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
			switch {
			case cloud.IsNotFound(err):
			case cloud.IsDependencyViolation(err):
				// An object written since we listed: the next pass deletes it.
				p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "bucket %s is not empty yet", name)
				return false, nil
			default:
				return false, fmt.Errorf("delete bucket %s: %w", name, err)
			}
		} else {
			p.Deleted(ctx, kindBucket, name)
		}
	}
	p.fd.Status.Pipeline.ArtifactBucket = ""
	return true, nil
}

// emptyBucket deletes every version and delete marker, a page at a time (at most 1000,
// what one DeleteObjects takes).
func (p *pass) emptyBucket(ctx context.Context, name string) error {
	pages := s3.NewListObjectVersionsPaginator(p.S3, &s3.ListObjectVersionsInput{Bucket: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list object versions of bucket %s: %w", name, err)
		}
		var objects []s3types.ObjectIdentifier
		for _, v := range out.Versions {
			objects = append(objects, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			objects = append(objects, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(objects) == 0 {
			continue
		}
		del, err := p.S3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name),
			Delete: &s3types.Delete{Objects: objects, Quiet: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("delete %d object versions of bucket %s: %w", len(objects), name, err)
		}
		if len(del.Errors) > 0 {
			e := del.Errors[0]
			return fmt.Errorf("delete object %s (version %s) of bucket %s: %s: %s", aws.ToString(e.Key), aws.ToString(e.VersionId),
				name, aws.ToString(e.Code), aws.ToString(e.Message))
		}
	}
	return nil
}

// versioningState names a bucket's versioning status; S3 says nothing for "never enabled".
func versioningState(s string) string {
	if s == "" {
		return "never enabled"
	}
	return s
}
