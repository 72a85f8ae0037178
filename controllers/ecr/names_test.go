package ecr

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

func TestRepositoryName(t *testing.T) {
	tests := []struct {
		name      string
		cluster   string
		namespace string
		specName  string
		want      string
	}{
		{name: "default is cluster/namespace/name", cluster: "prod", namespace: "shop", want: "prod/shop/web"},
		{name: "spec name wins", cluster: "prod", namespace: "shop", specName: "team/web-app", want: "team/web-app"},
		{name: "another cluster, another repository", cluster: "dev", namespace: "shop", want: "dev/shop/web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: tt.namespace, Name: "web"}}
			fd.Spec.Repository.Name = tt.specName
			got := repositoryName(cloud.NewOwner(tt.cluster, fd), fd.Spec.Repository)
			if got != tt.want || !cloud.RepositoryName.Valid(got) {
				t.Fatalf("repositoryName = %q, want %q (valid for ECR)", got, tt.want)
			}
		})
	}
}

func TestLifecyclePolicy(t *testing.T) {
	tests := []struct {
		name string
		keep int32
		want int
	}{
		{name: "default keeps 30", keep: 0, want: 30},
		{name: "keepImages", keep: 7, want: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := lifecyclePolicy(v1alpha1.RepositorySpec{KeepImages: tt.keep})
			var doc struct {
				Rules []struct {
					RulePriority int
					Selection    struct {
						TagStatus, CountType, CountUnit string
						CountNumber                     int
					}
					Action struct{ Type string }
				}
			}
			if err := json.Unmarshal([]byte(text), &doc); err != nil {
				t.Fatalf("policy is not JSON: %v\n%s", err, text)
			}
			if len(doc.Rules) != 2 {
				t.Fatalf("%d rules, want 2", len(doc.Rules))
			}
			untagged, any := doc.Rules[0], doc.Rules[1]
			if untagged.Selection.TagStatus != "untagged" || untagged.Selection.CountType != "sinceImagePushed" ||
				untagged.Selection.CountUnit != "days" || untagged.Selection.CountNumber != 1 || untagged.Action.Type != "expire" {
				t.Fatalf("untagged rule %+v", untagged)
			}
			if any.Selection.TagStatus != "any" || any.Selection.CountType != "imageCountMoreThan" ||
				any.Selection.CountNumber != tt.want || any.Action.Type != "expire" {
				t.Fatalf("keep rule %+v", any)
			}
			if any.RulePriority <= untagged.RulePriority {
				t.Fatalf("the any rule must have the highest priority: %d <= %d", any.RulePriority, untagged.RulePriority)
			}
		})
	}
}

func TestSamePolicy(t *testing.T) {
	want := lifecyclePolicy(v1alpha1.RepositorySpec{KeepImages: 10})
	reordered := `{"rules":[
	  {"action":{"type":"expire"},"rulePriority":2.0,"selection":{"countNumber":10,"countType":"imageCountMoreThan","tagStatus":"any"}},
	  {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"},"description":"other words"}]}`
	tests := []struct {
		name string
		have string
		same bool
	}{
		{name: "identical", have: want, same: true},
		{name: "reformatted, reordered, described differently", have: reordered, same: true},
		{name: "other count", have: lifecyclePolicy(v1alpha1.RepositorySpec{KeepImages: 11}), same: false},
		{name: "rule removed", have: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}`, same: false},
		{name: "not JSON", have: "{", same: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := samePolicy(want, tt.have); got != tt.same {
				t.Fatalf("samePolicy = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestEncryptionDiffers(t *testing.T) {
	kms := func(key string) *ecrtypes.EncryptionConfiguration {
		c := &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms}
		if key != "" {
			c.KmsKey = aws.String(key)
		}
		return c
	}
	aes := &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeAes256}
	arn := "arn:aws:kms:us-east-1:123456789012:key/1234abcd"
	tests := []struct {
		name       string
		want, have *ecrtypes.EncryptionConfiguration
		differs    bool
	}{
		{name: "AES256 both", want: aes, have: aes},
		{name: "nil means AES256", want: aes, have: nil},
		{name: "AES256 wanted, KMS found", want: aes, have: kms(arn), differs: true},
		{name: "KMS wanted, AES256 found", want: kms(""), have: aes, differs: true},
		{name: "KMS default key", want: kms(""), have: kms("arn:aws:kms:us-east-1:123456789012:alias/aws/ecr")},
		{name: "KMS key by ID", want: kms("1234abcd"), have: kms(arn)},
		{name: "KMS key by ARN", want: kms(arn), have: kms(arn)},
		{name: "other KMS key", want: kms("9999"), have: kms(arn), differs: true},
		{name: "KMS key by alias: only the type is compared", want: kms("alias/app"), have: kms(arn)},
		{name: "KMS key by alias ARN", want: kms("arn:aws:kms:us-east-1:123456789012:alias/app"), have: kms(arn)},
		{name: "KMS alias wanted, AES256 found", want: kms("alias/app"), have: aes, differs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := encryptionDiffers(tt.want, tt.have); got != tt.differs {
				t.Fatalf("encryptionDiffers = %v, want %v", got, tt.differs)
			}
		})
	}
}
