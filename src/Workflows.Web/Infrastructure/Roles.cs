namespace Workflows.Web.Infrastructure;

/// <summary>The back office's roles. Every endpoint names the policy it requires; <see cref="Policies"/> says which roles each policy admits.</summary>
public static class Roles
{
    /// <summary>The insured, or their guardian/agent (被保险人/监护人/代理人).</summary>
    public const string Member = "Member";
    /// <summary>Service specialist (服务专员): calls members, books, records completion or no-show.</summary>
    public const string Specialist = "Specialist";
    /// <summary>Case manager (个案管理师): COC programme, consultations, escalations.</summary>
    public const string CaseManager = "CaseManager";
    /// <summary>Service supervisor (服务主管): receives tasks escalated after their SLA deadline, watches the SLA report.</summary>
    public const string Supervisor = "Supervisor";
    /// <summary>Business analyst: edits and publishes workflow definitions.</summary>
    public const string Analyst = "Analyst";
    /// <summary>Auditor: reads instance histories, journals and the access trail; changes nothing.</summary>
    public const string Auditor = "Auditor";
    /// <summary>Platform administrator: operations (incidents, events, users), not service work.</summary>
    public const string Admin = "Admin";
    /// <summary>A designated pharmacy's counter (指定药店): verifies a pickup code with the member's ID and dispenses; sees nothing else.</summary>
    public const string Pharmacy = Workflows.Domain.Activities.DrugVoucher.PharmacyRole;

    public static readonly string[] All = [Member, Specialist, CaseManager, Supervisor, Analyst, Auditor, Admin, Pharmacy];
}

/// <summary>Least privilege, in one table: each policy and the roles it admits.</summary>
public static class Policies
{
    public const string ReadDefinitions = nameof(ReadDefinitions);
    public const string EditDefinitions = nameof(EditDefinitions);
    public const string ReadInstances = nameof(ReadInstances);
    public const string StartInstances = nameof(StartInstances);
    public const string ReadJournal = nameof(ReadJournal);
    public const string WorkTasks = nameof(WorkTasks);
    /// <summary>The staff inbox: views, counts, claim / release / follow-up / bulk, delegations, saved filters.</summary>
    public const string StaffTasks = nameof(StaffTasks);
    /// <summary>Assign and reassign tasks, the supervisors' board.</summary>
    public const string SuperviseTasks = nameof(SuperviseTasks);
    public const string OperateInstances = nameof(OperateInstances);
    public const string RaiseEvents = nameof(RaiseEvents);
    public const string ReadAccessLog = nameof(ReadAccessLog);
    public const string SignedIn = nameof(SignedIn);
    public const string MemberSelfService = nameof(MemberSelfService);
    public const string ImportPolicies = nameof(ImportPolicies);
    public const string ReadPolicies = nameof(ReadPolicies);
    public const string RecordDiagnoses = nameof(RecordDiagnoses);
    public const string AnswerConsultations = nameof(AnswerConsultations);
    public const string ReadSlaReport = nameof(ReadSlaReport);
    public const string ReadNotifications = nameof(ReadNotifications);
    public const string OperateScheduling = nameof(OperateScheduling);
    public const string KeepCareRecords = nameof(KeepCareRecords);
    public const string RequestDocuments = nameof(RequestDocuments);
    public const string RunSummaries = nameof(RunSummaries);
    /// <summary>Demo aid: the activation/reset code messages in a member's in-app inbox (embedded default, no SMS gateway).</summary>
    public const string ReadMemberCodes = nameof(ReadMemberCodes);
    /// <summary>Staff users: create, disable, reset passwords, assign roles; the administration audit.</summary>
    public const string ManageUsers = nameof(ManageUsers);
    /// <summary>Policy amendments (end date, termination, renewal link, cover) through the console.</summary>
    public const string AmendPolicies = nameof(AmendPolicies);
    /// <summary>The OpenAPI document and the API reference page.</summary>
    public const string ReadApiReference = nameof(ReadApiReference);
    /// <summary>The staff workspace's case view and case search (masked personal data).</summary>
    public const string ReadCases = nameof(ReadCases);
    /// <summary>Reveal a masked ID number or phone, with a reason kept in the access trail.</summary>
    public const string RevealPersonalData = nameof(RevealPersonalData);
    /// <summary>File an application on a member's behalf (a call to the hotline).</summary>
    public const string FileApplications = nameof(FileApplications);
    /// <summary>Move an acceptance clock forward (never available on a production host).</summary>
    public const string OperateClock = nameof(OperateClock);
    /// <summary>Elsa Studio's pages, its bearer token and its descriptors: staff who read definitions or instances in it.</summary>
    public const string OpenStudio = nameof(OpenStudio);
    /// <summary>Export a case's signed evidence bundle (it carries the whole journal and access trail).</summary>
    public const string ExportEvidence = nameof(ExportEvidence);
    /// <summary>Sign a checkpoint of all chain heads now (the job does it periodically).</summary>
    public const string WriteCheckpoints = nameof(WriteCheckpoints);
    /// <summary>Place or release a legal hold on a case or a member.</summary>
    public const string ManageLegalHolds = nameof(ManageLegalHolds);
    /// <summary>Move waiting cases to a newer published version of their workflow (dry run, run, progress).</summary>
    public const string MigrateInstances = nameof(MigrateInstances);
    /// <summary>A COC member's named case manager: see it; take an unassigned member (case manager), reassign (supervisor).</summary>
    public const string NameCaseManagers = nameof(NameCaseManagers);
    /// <summary>Upload, preview and publish versions of the reference lists (hospitals, cities, drugs, pharmacies).</summary>
    public const string ManageReferenceData = nameof(ManageReferenceData);

    /// <summary>The pharmacy counter: verify a pickup code with the member's ID and the original prescription, and dispense once.</summary>
    public const string VerifyPickups = nameof(VerifyPickups);

    public static readonly IReadOnlyDictionary<string, string[]> RolesFor = new Dictionary<string, string[]>
    {
        [ReadDefinitions] = [Roles.Analyst, Roles.Auditor, Roles.Specialist, Roles.CaseManager, Roles.Admin],
        [EditDefinitions] = [Roles.Analyst],
        [ReadInstances] = [Roles.Auditor, Roles.Specialist, Roles.CaseManager, Roles.Admin],
        [StartInstances] = [Roles.CaseManager, Roles.Admin],
        [ReadJournal] = [Roles.Auditor, Roles.Admin],
        [WorkTasks] = [Roles.Specialist, Roles.CaseManager, Roles.Supervisor, Roles.Member],
        [StaffTasks] = [Roles.Specialist, Roles.CaseManager, Roles.Supervisor],
        [SuperviseTasks] = [Roles.Supervisor],
        [OperateInstances] = [Roles.Admin, Roles.CaseManager],
        [RaiseEvents] = [Roles.Admin],
        [ReadAccessLog] = [Roles.Auditor],
        [SignedIn] = Roles.All,
        [MemberSelfService] = [Roles.Member],
        [ImportPolicies] = [Roles.Admin],
        [ReadPolicies] = [Roles.Specialist, Roles.CaseManager, Roles.Admin],
        [RecordDiagnoses] = [Roles.CaseManager, Roles.Admin],
        [AnswerConsultations] = [Roles.CaseManager],
        [ReadSlaReport] = [Roles.Supervisor, Roles.CaseManager, Roles.Auditor, Roles.Admin],
        [ReadNotifications] = [Roles.Supervisor, Roles.CaseManager, Roles.Specialist, Roles.Admin],
        [OperateScheduling] = [Roles.Admin],
        [KeepCareRecords] = [Roles.CaseManager],
        [RequestDocuments] = [Roles.Specialist, Roles.CaseManager],
        [RunSummaries] = [Roles.CaseManager, Roles.Admin],
        [ReadMemberCodes] = [Roles.Admin],
        [ManageUsers] = [Roles.Admin],
        [AmendPolicies] = [Roles.Admin],
        // Admins and integrators (an integration account is a staff user with the Admin or Analyst role).
        [ReadApiReference] = [Roles.Admin, Roles.Analyst],
        [ReadCases] = [Roles.Specialist, Roles.CaseManager, Roles.Supervisor],
        [RevealPersonalData] = [Roles.Specialist, Roles.CaseManager, Roles.Supervisor],
        [FileApplications] = [Roles.Specialist, Roles.CaseManager],
        [OperateClock] = [Roles.Admin],
        // Studio: the designer is ReadDefinitions (read-only) / EditDefinitions (edit, publish); the instance viewer, its
        // journal and activity executions are ReadInstances; running a definition from the designer is StartInstances.
        [ExportEvidence] = [Roles.Auditor],
        [WriteCheckpoints] = [Roles.Auditor, Roles.Admin],
        // A hold changes no case: it only stops deletion. Auditors ask for it (disputes, regulators); admins for legal.
        [ManageLegalHolds] = [Roles.Auditor, Roles.Admin],
        [VerifyPickups] = [Roles.Pharmacy],
        // Analysts change workflows, so they move the waiting cases onto the new version; the screens show ids, activities and
        // due dates, no personal data.
        [MigrateInstances] = [Roles.Analyst],
        [NameCaseManagers] = [Roles.CaseManager, Roles.Supervisor],
        [ManageReferenceData] = [Roles.Admin],
        [OpenStudio] = [Roles.Analyst, Roles.Auditor, Roles.Specialist, Roles.CaseManager, Roles.Admin],
    };
}

