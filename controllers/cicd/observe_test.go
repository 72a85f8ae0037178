package cicd_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// Under managementPolicy Observe the stage reads and reports, and never writes: what is
// missing is listed, drift is noted as not repaired.
func TestObserveNeverWrites(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	before := r.writes()
	res := r.mustPass(fd)
	if res.Done || res.Reason != v1alpha1.ReasonObserved || !strings.Contains(res.Message, "artifact bucket") || r.writes() != before {
		t.Fatalf("observing nothing: %+v after %d writes", res, r.writes()-before)
	}

	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyFull
	r.converge(fd)
	fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
	bucket := fd.Status.Pipeline.ArtifactBucket
	_, err := r.clients.S3(region).PutBucketVersioning(bg, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	must(r, err)
	before = r.writes()
	res = r.mustPass(fd)
	if !res.Done || res.Reason != v1alpha1.ReasonObserved || r.writes() != before {
		t.Fatalf("observing a drifted pipeline: %+v after %d writes", res, r.writes()-before)
	}
	if len(fd.Status.Drift) != 1 || !strings.Contains(fd.Status.Drift[0], "versioning of bucket "+bucket) || !strings.Contains(fd.Status.Drift[0], "not repaired") {
		t.Fatalf("drift %v", fd.Status.Drift)
	}
}
