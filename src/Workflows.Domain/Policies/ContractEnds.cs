using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Eligibility;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.Policies;

/// <summary>
/// 若保险合同终止，则健康管理服务同时终止 (C 249-251): when a policy's last day has passed (its end date, or the day it
/// was terminated on), its services end. Every policy gets a piece of scheduled work at 00:00 Asia/Shanghai the day
/// after its end date (keyed by policy and end date, so an amended end date adds a new one and the stale one finds the
/// policy still in force and does nothing). The work closes the policy's open applications through the engine, with the
/// reason on the member's timeline and in the journal: open tasks are cancelled, a COC programme ends, and with it its
/// monthly summaries (the month it ended in is still summarised). Bookings after the end are refused by the booking task.
/// </summary>
public sealed class ContractEnds(IServiceScopeFactory scopes, BusinessCalendar calendar, TimeProvider clock, ILogger<ContractEnds> logger) : IScheduledWorkHandler
{
    public string Kind => WorkKinds.ContractEnd;

    public static string KeyOf(Policy p) => $"contract-end:{p.Id}:{p.EndDate:yyyy-MM-dd}";

    /// <summary>The work for a policy's end: due at the start of the day after its last day (Asia/Shanghai).</summary>
    public static (string Key, string Kind, DateTimeOffset DueAt, JsonObject Payload) WorkFor(Policy p) =>
        (KeyOf(p), WorkKinds.ContractEnd, BusinessCalendar.At(p.EndDate.AddDays(1), TimeOnly.MinValue), new JsonObject { ["policyId"] = p.Id });

    public static Task<int> ScheduleAsync(ScheduledWorkStore store, IEnumerable<Policy> policies, CancellationToken ct)
    {
        var work = policies.Select(p => { var w = WorkFor(p); return (w.Key, w.Kind, w.DueAt, (JsonObject?)w.Payload); }).ToList();
        return work.Count == 0 ? Task.FromResult(0) : store.AddManyAsync(work, ct);
    }

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var policyId = work.Payload["policyId"]!.GetValue<string>();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DomainDbContext>();
        var p = await db.Policies.AsNoTracking().SingleOrDefaultAsync(x => x.Id == policyId, ct);
        if (p is null) return "policy gone";
        var today = calendar.LocalDate(clock.GetUtcNow());
        if (p.EndDate >= today) return $"still in force until {p.EndDate:yyyy-MM-dd}";
        var zh = p.TerminatedOn is { } on
            ? $"保单已于 {on:yyyy-MM-dd} 终止（{p.TerminationReason}），本申请已关闭，未完成的服务不再进行。"
            : $"保单已于 {p.EndDate:yyyy-MM-dd} 到期，健康管理服务随保险合同终止，本申请已关闭。";
        var en = p.TerminatedOn is { } on2
            ? $"The policy was terminated on {on2:yyyy-MM-dd} ({p.TerminationReason}); this application was closed."
            : $"The policy ended on {p.EndDate:yyyy-MM-dd}; its health services end with it and this application was closed.";
        var closed = await CloseOpenApplicationsAsync(db, scope.ServiceProvider.GetRequiredService<WorkflowRuntime>(), p,
            p.TerminatedOn is null ? "POLICY_ENDED" : "POLICY_TERMINATED", zh, en,
            $"Policy {p.PolicyNumber} ended on {p.EndDate:yyyy-MM-dd}: its services end with the contract", Actor.System, logger, ct,
            // A policy that ran to its end keeps the JD purchase's 30-day continuation: those applications end with their own
            // voucher (it lapses on day 30). A terminated contract ends everything.
            keep: p.TerminatedOn is null ? EligibilityRules.ContinuesAfterPolicyEnd : null);
        return $"policy ended {p.EndDate:yyyy-MM-dd}: {closed} open applications closed";
    }

    /// <summary>
    /// Closes every open application of the policy through the engine (its open tasks cancelled, the reason journaled),
    /// with the status Cancelled and the code and message on the member's timeline. One place for terminations and ends.
    /// </summary>
    public static async Task<int> CloseOpenApplicationsAsync(DomainDbContext db, WorkflowRuntime runtime, Policy p, string code, string zh, string en, string reason,
        Actor actor, ILogger logger, CancellationToken ct, IReadOnlySet<string>? keep = null)
    {
        var open = (await db.Applications.AsNoTracking().Where(x => x.PolicyId == p.Id && !ApplicationStatus.Final.Contains(x.Status)).ToListAsync(ct))
            .Where(x => keep is null || !keep.Contains(x.ServiceCode)).ToList();
        var closed = 0;
        foreach (var app in open)
        {
            try
            {
                await runtime.CancelAsync(app.InstanceId, reason, actor,
                    [new StepEffect(ApplicationEffects.Status, ApplicationEffects.StatusData(ApplicationStatus.Cancelled, zh, en, code), "contract-end"),
                     // a CPIC direct-billing advance reserved for a purchase that will not happen goes back to the sum insured
                     new StepEffect(DirectBillingEffects.Release, new JsonObject { ["applicationId"] = app.Id }, "contract-end")],
                    $"contract-end:{p.Id}:{app.Id}", ct);
                closed++;
            }
            catch (InstanceStateException)
            {
                // Ended meanwhile (completed a moment ago): nothing to close.
            }
        }
        logger.LogInformation("Policy {PolicyNumber} ({Code}): {Closed} open applications closed", p.PolicyNumber, code, closed);
        return closed;
    }
}
