package controllers_test

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var _ = Describe("Sweep after teardown", func() {
	It("keeps the finalizer while a resource still carries the object's ownership tags, and lets the object go once it is deleted", func() {
		fd := newFD(nil)
		Eventually(func() *v1alpha1.FlaskDeployment { return get(fd) }, timeout, poll).
			Should(HaveField("Finalizers", ContainElement(controllers.Finalizer)))
		cur := get(fd)
		owner := cloud.NewOwner(testenv.ClusterName, cur)
		// What no stage knows about: a VPC tagged as this object's.
		out, err := env.Clients.EC2(testenv.Region).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16"),
			TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeVpc, owner.EC2Tags("stray", "vpc"))})
		Expect(err).NotTo(HaveOccurred())
		vpc := aws.ToString(out.Vpc.VpcId)
		// Someone else's, with another owner: never a leftover of this object.
		other, err := env.Clients.EC2(testenv.Region).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.8.0.0/16"),
			TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeVpc, map[string]string{cloud.TagCluster: testenv.ClusterName, cloud.TagOwner: "elsewhere/shop"})})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			_, err := env.Clients.EC2(testenv.Region).DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: other.Vpc.VpcId})
			Expect(err).NotTo(HaveOccurred())
		})

		Expect(env.Client.Delete(ctx, fd)).To(Succeed())
		Eventually(func() []string { return get(fd).Status.Leftovers }, timeout, poll).
			Should(ConsistOf(ContainSubstring(vpc)))
		blocked := condition(fd, v1alpha1.ConditionDeletionBlocked)
		Expect(blocked).To(haveCondition("True", v1alpha1.ReasonDeletionBlocked))
		Expect(blocked.Message).To(And(ContainSubstring(vpc), ContainSubstring("deletion resumes by itself")))
		Expect(get(fd).Finalizers).To(ContainElement(controllers.Finalizer))
		Expect(eventsIn(fd.Namespace)).To(ContainElement("Warning/" + v1alpha1.ReasonDeletionBlocked + "/Delete"))

		_, err = env.Clients.EC2(testenv.Region).DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{}))
		}, timeout, poll).Should(BeTrue())
	})

	It("stalls with AWS's refusal when the look for leftovers is denied, and lets the object go once it is allowed", func() {
		fd := newFD(nil)
		Eventually(func() *v1alpha1.FlaskDeployment { return get(fd) }, timeout, poll).
			Should(HaveField("Finalizers", ContainElement(controllers.Finalizer)))
		Expect(env.Sim.SetIdentityPolicy([]byte(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"*","Resource":"*"},
			{"Effect":"Deny","Action":"tag:GetResources","Resource":"*"}]}`))).To(Succeed())
		DeferCleanup(func() { Expect(env.Sim.SetIdentityPolicy(nil)).To(Succeed()) })

		Expect(env.Client.Delete(ctx, fd)).To(Succeed())
		Eventually(func() *metav1.Condition { return condition(fd, v1alpha1.ConditionDeletionBlocked) }, timeout, poll).
			Should(haveCondition("True", v1alpha1.ReasonAccessDenied))
		Expect(condition(fd, v1alpha1.ConditionDeletionBlocked).Message).To(ContainSubstring("tag:GetResources"))
		Expect(condition(fd, v1alpha1.ConditionStalled)).To(haveCondition("True", v1alpha1.ReasonAccessDenied))
		Expect(get(fd).Finalizers).To(ContainElement(controllers.Finalizer))

		Expect(env.Sim.SetIdentityPolicy(nil)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(fd), &v1alpha1.FlaskDeployment{}))
		}, timeout, poll).Should(BeTrue())
	})
})
