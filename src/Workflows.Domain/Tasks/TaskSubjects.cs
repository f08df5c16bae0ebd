using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Activities;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Tasks;

/// <summary>
/// What a service workflow's task is about, for the task table: the service (code and Chinese name), the application,
/// the policy number, the member's masked name, and the applicant (a Member task is bound to them). Read from the
/// instance's application input and the policy; nothing sensitive goes on the task.
/// </summary>
public sealed class ApplicationTaskSubjects(ServiceCatalogue catalogue, IDbContextFactory<DomainDbContext> db) : ITaskSubjectSource
{
    public TaskSubject? Describe(ActivityContext context)
    {
        ApplicationInput input;
        try
        {
            if (context.Input is null || context.Input["applicationId"] is null) return null;
            input = ApplicationInput.From(context);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            return null;
        }
        var serviceName = catalogue.TryGet(input.ServiceCode, out var service) ? service.NameZh : null;
        // The step that applies has just read the policy (PolicyReads); anything else (a resume, a timer) reads the name.
        string? name;
        if (PolicyReads.Offered(input.PolicyNumber) is { } offered) name = offered.InsuredName;
        else
            using (var ctx = db.CreateDbContext())
                name = InsuredName(ctx, input.PolicyNumber);
        return new TaskSubject(input.ServiceCode, serviceName, input.ApplicationId, input.PolicyNumber,
            name is null ? null : PersonalDataProtector.MaskName(name), input.Applicant);
    }

    /// <summary>The insured's name on a policy, compiled once: every task a service workflow opens outside an application's first step reads it.</summary>
    private static readonly Func<DomainDbContext, string, string?> InsuredName =
        EF.CompileQuery((DomainDbContext ctx, string policyNumber) =>
            ctx.Policies.AsNoTracking().Where(p => p.PolicyNumber == policyNumber).Select(p => p.InsuredName).FirstOrDefault());
}
