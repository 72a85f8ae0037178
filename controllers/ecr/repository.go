package ecr

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// resourceRepository is the flaskops.io/resource tag value of the repository.
const resourceRepository = "repository"

// repositoryName is the ECR name of the repository: spec.repository.name (admission
// checks it against ECR's rules), or one derived from the owner's cluster, namespace and name.
func repositoryName(o cloud.Owner, spec v1alpha1.RepositorySpec) string {
	if spec.Name != "" {
		return spec.Name
	}
	return o.Name(cloud.RepositoryName, "")
}

// desiredScanOnPush, desiredMutability and desiredEncryption apply the API defaults, so a
// spec that was not defaulted by the API server (unit tests) means the same thing.
func desiredScanOnPush(spec v1alpha1.RepositorySpec) bool {
	return spec.ScanOnPush == nil || *spec.ScanOnPush
}

func desiredMutability(spec v1alpha1.RepositorySpec) ecrtypes.ImageTagMutability {
	if spec.ImageTagMutability == "" {
		return ecrtypes.ImageTagMutabilityMutable
	}
	return ecrtypes.ImageTagMutability(spec.ImageTagMutability)
}

func desiredEncryption(spec v1alpha1.RepositorySpec) *ecrtypes.EncryptionConfiguration {
	if spec.Encryption == v1alpha1.EncryptionKMS {
		enc := &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms}
		if spec.KMSKey != "" {
			enc.KmsKey = aws.String(spec.KMSKey)
		}
		return enc
	}
	return &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeAes256}
}

// encryptionDiffers reports whether the repository's encryption is not the one asked for.
// A KMS key may be given as key ID, key ARN or alias; AWS answers with the key's ARN. An
// alias cannot be matched to a key without asking KMS, so for an alias only the type counts.
func encryptionDiffers(want, have *ecrtypes.EncryptionConfiguration) bool {
	haveType := ecrtypes.EncryptionTypeAes256
	if have != nil && have.EncryptionType != "" {
		haveType = have.EncryptionType
	}
	if want.EncryptionType != haveType {
		return true
	}
	wantKey := aws.ToString(want.KmsKey)
	if wantKey == "" || have == nil || strings.HasPrefix(wantKey, "alias/") || strings.Contains(wantKey, ":alias/") {
		return false
	}
	haveKey := aws.ToString(have.KmsKey)
	return haveKey != wantKey && !strings.HasSuffix(haveKey, "/"+wantKey) && !strings.HasSuffix(haveKey, ":"+wantKey)
}

func describeEncryption(enc *ecrtypes.EncryptionConfiguration) string {
	if enc == nil || enc.EncryptionType == "" {
		return string(ecrtypes.EncryptionTypeAes256)
	}
	if key := aws.ToString(enc.KmsKey); key != "" {
		return string(enc.EncryptionType) + " with key " + key
	}
	return string(enc.EncryptionType)
}

// reconcileRepository finds the repository by name or creates it, checks that its tags
// prove it ours before anything else, and converges its settings.
func (p *pass) reconcileRepository(ctx context.Context) error {
	name := repositoryName(p.Owner(), p.fd.Spec.Repository)
	st := &p.fd.Status.Repository
	if st.Name != "" && st.Name != name {
		return stage.Terminalf(v1alpha1.ReasonImmutableField,
			"this FlaskDeployment's repository is %q but its name is now %q (spec.repository.name or the manager's --cluster-name changed), and ECR repositories cannot be renamed: restore the old name, or delete and re-create the FlaskDeployment to move to a new repository",
			st.Name, name)
	}
	repo, err := p.findRepository(ctx, name)
	if err != nil {
		return err
	}
	if repo == nil {
		if !p.MayWrite(true, "repository %s", name) {
			*st = v1alpha1.RepositoryStatus{}
			p.Stop()
			return nil
		}
		if err := p.createRepository(ctx, name); !cloud.IsAlreadyExists(err) {
			return err
		}
		// Created since we looked (another worker, or eventual consistency): check it as found.
		if repo, err = p.findRepository(ctx, name); err != nil {
			return fmt.Errorf("find repository %s after RepositoryAlreadyExistsException: %w", name, err)
		}
		if repo == nil {
			// Deleted again since, or not yet visible: retried on the next pass.
			return fmt.Errorf("find repository %s after RepositoryAlreadyExistsException: not found", name)
		}
	}
	return p.useRepository(ctx, repo)
}

// useRepository checks and repairs the tags of a repository found by name (never writing
// to one they do not prove ours; a light pass writes nothing and reads no tags), records
// it and converges its settings.
func (p *pass) useRepository(ctx context.Context, repo *ecrtypes.Repository) error {
	if !p.Known(p.fd.Status.Repository.ARN, aws.ToString(repo.RepositoryArn)) {
		return nil
	}
	if p.ReadsTags() {
		if err := p.repairRepositoryTags(ctx, repo); err != nil {
			return err
		}
	}
	p.setRepositoryStatus(repo)
	return p.convergeRepository(ctx, repo)
}

// repairRepositoryTags is the ownership check of a repository found by name, and its tag
// repair.
func (p *pass) repairRepositoryTags(ctx context.Context, repo *ecrtypes.Repository) error {
	st := &p.fd.Status.Repository
	arn := aws.ToString(repo.RepositoryArn)
	have, err := p.repositoryTags(ctx, repo)
	if err != nil {
		return err
	}
	if err := p.RepairTags(ctx, kindRepository, arn, p.Tags(resourceRepository), have, cloud.ECRTagger(p.ecr)); err != nil {
		if !p.Owner().Owns(have) {
			// Nothing may build on someone else's repository.
			*st = v1alpha1.RepositoryStatus{}
		}
		return err
	}
	if st.ARN != arn && p.Owner().Owns(have) {
		log.FromContext(ctx).Info("Found ECR repository carrying this object's ownership tags", "repository", aws.ToString(repo.RepositoryName), "arn", arn)
	}
	return nil
}

// findRepository describes the repository by name; nil when it does not exist.
func (p *pass) findRepository(ctx context.Context, name string) (*ecrtypes.Repository, error) {
	out, err := p.ecr.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe repository %s: %w", name, err)
	}
	if len(out.Repositories) == 0 {
		return nil, nil
	}
	return &out.Repositories[0], nil
}

func (p *pass) repositoryTags(ctx context.Context, repo *ecrtypes.Repository) (map[string]string, error) {
	out, err := p.ecr.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: repo.RepositoryArn})
	if err != nil {
		return nil, fmt.Errorf("list tags of repository %s: %w", aws.ToString(repo.RepositoryName), err)
	}
	return cloud.FromECR(out.Tags), nil
}

// createRepository creates the repository with its ownership tags and saves its ARN
// before anything depends on it. RepositoryAlreadyExistsException is returned unwrapped.
func (p *pass) createRepository(ctx context.Context, name string) error {
	spec := p.fd.Spec.Repository
	out, err := p.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(name),
		ImageTagMutability:         desiredMutability(spec),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: desiredScanOnPush(spec)},
		EncryptionConfiguration:    desiredEncryption(spec),
		Tags:                       cloud.ToECR(p.Tags(resourceRepository)),
	})
	if cloud.IsAlreadyExists(err) {
		return err
	}
	if err != nil {
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	deleted := p.fd.Status.Repository.ARN != ""
	p.created = true
	p.Created(ctx, kindRepository, name)
	if deleted {
		p.Drift(ctx, "repository %s was deleted outside the operator; re-created", name)
	}
	p.setRepositoryStatus(out.Repository)
	return stage.CheckpointCreated(ctx, "repository "+name)
}

// convergeRepository repairs scan-on-push and tag mutability. Encryption cannot change:
// a difference stalls the object with a message saying what to do.
func (p *pass) convergeRepository(ctx context.Context, repo *ecrtypes.Repository) error {
	spec := p.fd.Spec.Repository
	name := aws.ToString(repo.RepositoryName)
	if want := desiredEncryption(spec); encryptionDiffers(want, repo.EncryptionConfiguration) {
		if !p.Observing() {
			return stage.Terminalf(v1alpha1.ReasonImmutableField,
				"repository %s is encrypted with %s but spec.repository asks for %s; ECR cannot change a repository's encryption after creation: set spec.repository.encryption (and kmsKey) back to match, or use a new spec.repository.name to get a new repository",
				name, describeEncryption(repo.EncryptionConfiguration), describeEncryption(want))
		}
		p.MayWrite(false, "repository %s is encrypted with %s, spec asks for %s", name,
			describeEncryption(repo.EncryptionConfiguration), describeEncryption(want))
	}
	haveScan := repo.ImageScanningConfiguration != nil && repo.ImageScanningConfiguration.ScanOnPush
	if wantScan := desiredScanOnPush(spec); haveScan != wantScan &&
		p.MayWrite(false, "repository %s scanOnPush is %t, spec says %t", name, haveScan, wantScan) {
		if _, err := p.ecr.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
			RepositoryName:             repo.RepositoryName,
			ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: wantScan},
		}); err != nil {
			return fmt.Errorf("set scan on push of repository %s: %w", name, err)
		}
		p.Drift(ctx, "repository %s scanOnPush was %t, spec says %t; set", name, haveScan, wantScan)
	}
	if want := desiredMutability(spec); repo.ImageTagMutability != want &&
		p.MayWrite(false, "repository %s imageTagMutability is %s, spec says %s", name, repo.ImageTagMutability, want) {
		if _, err := p.ecr.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
			RepositoryName: repo.RepositoryName, ImageTagMutability: want,
		}); err != nil {
			return fmt.Errorf("set tag mutability of repository %s: %w", name, err)
		}
		p.Drift(ctx, "repository %s imageTagMutability was %s, spec says %s; set", name, repo.ImageTagMutability, want)
	}
	return nil
}

func (p *pass) setRepositoryStatus(repo *ecrtypes.Repository) {
	p.repo = repo
	st := &p.fd.Status.Repository
	st.Name = aws.ToString(repo.RepositoryName)
	st.ARN = aws.ToString(repo.RepositoryArn)
	st.URI = aws.ToString(repo.RepositoryUri)
	st.RegistryID = aws.ToString(repo.RegistryId)
}

// countImages records how many images the repository holds (every page).
func (p *pass) countImages(ctx context.Context) error {
	name := aws.ToString(p.repo.RepositoryName)
	var n int32
	pages := ecr.NewDescribeImagesPaginator(p.ecr, &ecr.DescribeImagesInput{RepositoryName: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe images of repository %s: %w", name, err)
		}
		n += int32(len(out.ImageDetails))
	}
	p.fd.Status.Repository.ImageCount = n
	return nil
}

// deleteRepository deletes the repository with every image in it (force), if its tags
// prove it this object's; one that is not is left in place.
func (p *pass) deleteRepository(ctx context.Context) (bool, error) {
	st := &p.fd.Status.Repository
	name := st.Name
	if name == "" {
		name = repositoryName(p.Owner(), p.fd.Spec.Repository)
	}
	repo, err := p.findRepository(ctx, name)
	if err != nil {
		return false, err
	}
	if repo != nil {
		have, err := p.repositoryTags(ctx, repo)
		if err != nil {
			return false, err
		}
		if !p.Deletable(ctx, kindRepository, name, have) {
			p.kept = append(p.kept, "ECR repository "+name)
			*st = v1alpha1.RepositoryStatus{}
			return true, nil
		}
		// force: a repository holding images is deleted with them (RepositoryNotEmptyException otherwise).
		_, err = p.ecr.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(name), Force: true})
		if err != nil && !cloud.IsNotFound(err) {
			return false, fmt.Errorf("delete repository %s: %w", name, err)
		}
		if err == nil {
			p.Deleted(ctx, kindRepository, name)
		}
	}
	*st = v1alpha1.RepositoryStatus{}
	return true, nil
}
