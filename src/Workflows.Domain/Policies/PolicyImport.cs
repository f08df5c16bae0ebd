using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.ReferenceData;

namespace Workflows.Domain.Policies;

/// <summary>One policy as the policy administration system sends it (JSON, or one CSV row per diagnosis).</summary>
public sealed record PolicyRecord
{
    public string? PolicyNumber { get; init; }
    public string? Product { get; init; }
    public string? Variant { get; init; }
    public string? EffectiveDate { get; init; }
    public string? EndDate { get; init; }
    public string? PreviousPolicyNumber { get; init; }
    public bool SpecialtyDrugCover { get; init; }
    /// <summary>CPIC: the specialty-drug cover's sum insured in 元 (optional; the DirectBilling:DefaultSumInsured setting applies without it).</summary>
    public decimal? SpecialtyDrugSumInsured { get; init; }
    public string? CoolingOffEnd { get; init; }
    public string? WaitingPeriodEnd { get; init; }
    public PersonRecord? Insured { get; init; }
    public PersonRecord? Guardian { get; init; }
    public List<DiagnosisRecord> Diagnoses { get; init; } = [];
    /// <summary>Amendments through the feed: early termination (the last day of cover) and its reason.</summary>
    public string? TerminatedOn { get; init; }
    public string? TerminationReason { get; init; }
}

/// <summary>What an import would do with one row: <c>new</c> policy, <c>amend</c> an existing one (and how), or <c>error</c> (nothing, because of its problems).</summary>
/// <param name="Warnings">What the row is flagged for without being refused (a period longer than the product's term); imported as it is.</param>
public sealed record ImportPreviewRow(int Row, string? PolicyNumber, string? Product, string InsuredName, string Action, string? Change, IReadOnlyList<ImportError> Errors,
    IReadOnlyList<ImportError>? Warnings = null);

/// <summary>The outcome of an import: policies added and policies amended (each a new version), and the rows flagged.</summary>
public sealed record ImportOutcome(IReadOnlyList<Policy> Imported, IReadOnlyList<AmendmentResult> Amended, IReadOnlyList<ImportError>? Flags = null);

public sealed record PersonRecord(string? Name, string? IdNumber, string? Phone, string? BirthDate, string? Relation, string? UserName);
public sealed record DiagnosisRecord(string? Kind, string? DiagnosedOn, string? Detail, bool Confirmed = true);

/// <summary>How large a feed file the console accepts (the API has the host's request limit).</summary>
public static class PolicyImportLimits
{
    public const long MaxFileBytes = 4_000_000;
}

/// <summary>A problem with one policy of an import; the import stores nothing when there is any.</summary>
/// <param name="MessageZh">The same in Chinese, for the console (staff read Chinese first); null where only the English exists.</param>
public sealed record ImportError(int Row, string? PolicyNumber, string Field, string Message, string? MessageZh = null);

public sealed class PolicyImportException(IReadOnlyList<ImportError> errors, bool duplicates)
    : Exception(errors.Count == 1 ? errors[0].Message : $"{errors.Count} problems: " + string.Join(" ", errors.Take(5).Select(e => $"row {e.Row}: {e.Message}")))
{
    public IReadOnlyList<ImportError> Errors { get; } = errors;
    public bool IsDuplicate { get; } = duplicates;
}

/// <summary>
/// Imports the policy feed: validates every record first, then stores all of them in one transaction, or none.
/// A policy number already imported is a duplicate (409); diagnoses arriving later go through <see cref="AddDiagnosisAsync"/>.
/// </summary>
public sealed class PolicyImport(DomainDbContext db, PersonalDataProtector protector, TimeProvider clock, IMemberDirectory? members = null,
    PolicyAmendments? amendments = null, Workflows.Persistence.Stores.ScheduledWorkStore? work = null)
{
    public const int MaxBatch = 5_000;
    private static readonly string[] CsvColumns =
    [
        "policy_number", "product", "variant", "effective_date", "end_date", "previous_policy_number", "specialty_drug_cover",
        "insured_name", "insured_id_number", "insured_phone", "insured_birth_date", "insured_user",
        "guardian_name", "guardian_id_number", "guardian_phone", "guardian_relation", "guardian_user",
        "diagnosis_kind", "diagnosed_on", "diagnosis_detail",
    ];

    public async Task<IReadOnlyList<Policy>> ImportAsync(IReadOnlyList<PolicyRecord> records, string importedBy, CancellationToken ct = default) =>
        (await ImportWithAmendmentsAsync(records, importedBy, ct)).Imported;

    private sealed record Plan(List<Policy> New, List<(int Row, Policy Policy, PolicyAmendment Amendment, List<string> Changes)> Amend, List<ImportError> Errors, bool OnlyDuplicates,
        List<ImportPreviewRow> Rows);

    /// <summary>
    /// Validates every record and works out what it would do: a new policy, an amendment of an existing one (a policy
    /// number already imported whose record differs: end date, termination, renewal link, cover, new diagnoses), or a
    /// refusal. An unchanged re-import is a duplicate (409 "already imported").
    /// </summary>
    private async Task<Plan> PlanAsync(IReadOnlyList<PolicyRecord> records, CancellationToken ct)
    {
        if (records.Count == 0) throw new PolicyImportException([new ImportError(0, null, "policies", "The import holds no policies.", "导入文件中没有保单。")], false);
        if (records.Count > MaxBatch) throw new PolicyImportException([new ImportError(0, null, "policies", $"At most {MaxBatch:N0} policies per import.", $"每次最多导入 {MaxBatch:N0} 份保单。")], false);
        var errors = new List<ImportError>();
        var rows = new List<ImportPreviewRow>();
        var candidates = new List<(int Row, PolicyRecord Record, Policy Policy, List<ImportError> Errors)>();
        for (var i = 0; i < records.Count; i++)
        {
            var own = new List<ImportError>();
            candidates.Add((i + 1, records[i], Validate(i + 1, records[i], own), own));
        }
        var numbers = candidates.Select(c => c.Policy.PolicyNumber).ToList();
        var inFile = numbers.Where(n => n.Length > 0).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
        var existing = await db.Policies.Include(p => p.Diagnoses).Where(p => numbers.Contains(p.PolicyNumber)).ToDictionaryAsync(p => p.PolicyNumber, ct);
        var newPolicies = new List<Policy>();
        var amend = new List<(int, Policy, PolicyAmendment, List<string>)>();
        var duplicates = 0;
        foreach (var (row, record, policy, own) in candidates)
        {
            string? change = null;
            var action = "new";
            if (inFile.Contains(policy.PolicyNumber))
                own.Add(new ImportError(row, policy.PolicyNumber, "policyNumber", $"Row {row}: policy {policy.PolicyNumber} appears more than once in this import.", $"第 {row} 行：保单 {policy.PolicyNumber} 在本次导入中出现了不止一次。"));
            else if (own.Count == 0 && existing.TryGetValue(policy.PolicyNumber, out var current))
            {
                action = "amend";
                var amendment = new PolicyAmendment
                {
                    EndDate = record.EndDate, TerminatedOn = record.TerminatedOn, TerminationReason = record.TerminationReason,
                    PreviousPolicyNumber = record.PreviousPolicyNumber, SpecialtyDrugCover = record.SpecialtyDrugCover, Variant = record.Variant, Diagnoses = record.Diagnoses,
                };
                if (current.TerminatedOn is not null && amendment.TerminatedOn == current.TerminatedOn.Value.ToString("yyyy-MM-dd")) amendment = amendment with { TerminatedOn = null, TerminationReason = null };
                if (current.Product != policy.Product)
                    own.Add(new ImportError(row, policy.PolicyNumber, "product", $"Row {row}: policy {policy.PolicyNumber} is a {current.Product} policy; the product of an imported policy cannot change.", $"第 {row} 行：保单 {policy.PolicyNumber} 的产品是 {current.Product}，已导入保单的产品不能更改。"));
                else if (protector.Unprotect(current.InsuredIdNumberProtected) != record.Insured?.IdNumber?.Trim())
                    own.Add(new ImportError(row, policy.PolicyNumber, "insured.idNumber", $"Row {row}: the insured person of policy {policy.PolicyNumber} cannot change; issue a new policy.", $"第 {row} 行：保单 {policy.PolicyNumber} 的被保险人不能更改，请另出新保单。"));
                else if (amendments is null)
                    own.Add(new ImportError(row, policy.PolicyNumber, "policyNumber", $"Policy {policy.PolicyNumber} was already imported.", $"保单 {policy.PolicyNumber} 已导入过，内容没有变化。"));
                else
                {
                    var (changes, problems) = await amendments.CheckAsync(current, amendment, row, ct);
                    own.AddRange(problems);
                    if (problems.Count == 0 && changes.Count == 0)
                    {
                        duplicates++;
                        own.Add(new ImportError(row, policy.PolicyNumber, "policyNumber", $"Policy {policy.PolicyNumber} was already imported.", $"保单 {policy.PolicyNumber} 已导入过，内容没有变化。"));
                    }
                    else if (problems.Count == 0)
                    {
                        amend.Add((row, current, amendment, changes));
                        change = string.Join("；", changes);
                    }
                }
            }
            else if (own.Count == 0) newPolicies.Add(policy);
            errors.AddRange(own);
            var warnings = new List<ImportError>();
            if (own.Count == 0 && Products.LongerThanTerm(policy.Product, policy.EffectiveDate, policy.EndDate))
            {
                var latest = Products.LatestEnd(policy.Product, policy.EffectiveDate)!.Value;
                var months = Products.TermMonths[policy.Product];
                warnings.Add(new ImportError(row, policy.PolicyNumber, "endDate",
                    $"Row {row}: the period {policy.EffectiveDate:yyyy-MM-dd} to {policy.EndDate:yyyy-MM-dd} is longer than the product's term of {months} months (it would end by {latest:yyyy-MM-dd}); check the feed.",
                    $"第 {row} 行：保险期间 {policy.EffectiveDate:yyyy-MM-dd} 至 {policy.EndDate:yyyy-MM-dd} 超过产品约定的保险期间（{months} 个月，最晚至 {latest:yyyy-MM-dd}），请核对。"));
            }
            rows.Add(new ImportPreviewRow(row, policy.PolicyNumber, record.Product, PersonalDataProtector.MaskName(record.Insured?.Name), own.Count > 0 ? "error" : action, change, own,
                warnings));
        }
        return new Plan(newPolicies, amend, errors, errors.Count > 0 && errors.Count == duplicates, rows);
    }

    /// <summary>What the import would do, row by row, storing nothing (the console's preview).</summary>
    public async Task<IReadOnlyList<ImportPreviewRow>> PreviewAsync(IReadOnlyList<PolicyRecord> records, CancellationToken ct = default) =>
        (await PlanAsync(records, ct)).Rows;

    /// <summary>All or nothing: any problem in any row stores nothing. New policies are added, changed ones amended (new versions).</summary>
    public async Task<ImportOutcome> ImportWithAmendmentsAsync(IReadOnlyList<PolicyRecord> records, string importedBy, CancellationToken ct = default)
    {
        var plan = await PlanAsync(records, ct);
        if (plan.Errors.Count > 0) throw new PolicyImportException(plan.Errors, plan.OnlyDuplicates);
        foreach (var p in plan.New) p.ImportedBy = importedBy;
        await LinkMembersAsync(records.Where((_, i) => plan.New.Any(p => p.PolicyNumber == records[i].PolicyNumber?.Trim())).ToList(), plan.New, ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.Policies.AddRange(plan.New);
            foreach (var (_, policy, amendment, changes) in plan.Amend) amendments!.Apply(policy, amendment, changes, importedBy);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        // Each new policy's services end with it: the contract-end work at the day after its end date (ContractEnds).
        if (work is not null) await ContractEnds.ScheduleAsync(work, plan.New, ct);
        var amended = new List<AmendmentResult>();
        foreach (var (_, policy, _, changes) in plan.Amend)
            amended.Add(new AmendmentResult(policy.PolicyNumber, policy.Version, string.Join("；", changes), await amendments!.TakeEffectAsync(policy, importedBy, ct)));
        return new ImportOutcome(plan.New, amended, plan.Rows.SelectMany(r => r.Warnings ?? []).ToList());
    }

    /// <summary>
    /// Links each policy to the member identities of its insured and guardian/agent (created when new), unless the feed
    /// names the user outright. Identities are created before the policies are stored: an import refused after this
    /// leaves only unactivated identities with no policy, which the next import of that person links again.
    /// </summary>
    private async Task LinkMembersAsync(IReadOnlyList<PolicyRecord> records, List<Policy> policies, CancellationToken ct)
    {
        if (members is null) return;
        for (var i = 0; i < records.Count; i++)
        {
            var (r, p) = (records[i], policies[i]);
            if (p.InsuredUserName is null && r.Insured?.IdNumber is { } id)
                p.InsuredUserName = await members.EnsureMemberAsync(id, p.InsuredName, ct);
            if (p.GuardianUserName is null && r.Guardian?.IdNumber is { } gid && !string.IsNullOrWhiteSpace(gid))
                p.GuardianUserName = await members.EnsureMemberAsync(gid, r.Guardian.Name ?? "", ct);
        }
    }

    public async Task<DiagnosisEvent> AddDiagnosisAsync(string policyNumber, DiagnosisRecord record, CancellationToken ct = default)
    {
        var policy = await db.Policies.FirstOrDefaultAsync(p => p.PolicyNumber == policyNumber, ct)
                     ?? throw new KeyNotFoundException($"Policy {policyNumber} does not exist.");
        var errors = new List<ImportError>();
        var diagnosis = Diagnosis(1, policyNumber, record, errors);
        if (errors.Count > 0) throw new PolicyImportException(errors, false);
        diagnosis!.PolicyId = policy.Id;
        db.Diagnoses.Add(diagnosis);
        await db.SaveChangesAsync(ct);
        return diagnosis;
    }

    /// <summary>Reads the CSV feed: a header row with <see cref="CsvColumns"/>; rows with the same policy number add diagnoses.</summary>
    public static IReadOnlyList<PolicyRecord> ParseCsv(string text)
    {
        var rows = ReferenceDataLoader.ParseCsv(text);
        if (rows.Count == 0) throw new PolicyImportException([new ImportError(0, null, "csv", "The CSV is empty.", "CSV 文件是空的。")], false);
        var header = rows[0].Fields.Select(f => f.Trim()).ToArray();
        var missing = CsvColumns.Except(header).ToList();
        if (missing.Count > 0)
            throw new PolicyImportException([new ImportError(1, null, "header", $"The CSV header lacks the column(s) {string.Join(", ", missing)}.", $"CSV 表头缺少列：{string.Join("、", missing)}。")], false);
        string? Field(string[] f, string column) => Array.IndexOf(header, column) is var i && i >= 0 && i < f.Length && f[i].Trim() is { Length: > 0 } v ? v : null;

        // A cell a spreadsheet would run as a formula (=, @, or + and - not followed by a digit; a leading tab or CR)
        // is refused: imported as is, it would run on the desk of whoever exports and opens the data later.
        var formulas = rows.Skip(1).SelectMany(r => r.Fields.Select((value, i) => (Line: r.Line, Column: i < header.Length ? header[i] : $"column {i + 1}", Value: value.TrimStart(' '))))
            .Where(c => LooksLikeFormula(c.Value))
            .Select(c => new ImportError(c.Line, null, c.Column, $"Line {c.Line}: the {c.Column} cell starts with '{c.Value[0]}', which spreadsheets run as a formula; remove that character.",
                $"第 {c.Line} 行：{c.Column} 单元格以“{c.Value[0]}”开头，电子表格会把它当作公式执行，请去掉这个字符。"))
            .ToList();
        if (formulas.Count > 0) throw new PolicyImportException(formulas, false);
        var byNumber = new Dictionary<string, PolicyRecord>();
        var ordered = new List<PolicyRecord>();
        foreach (var (line, f) in rows.Skip(1))
        {
            var number = Field(f, "policy_number") ?? $"(line {line})";
            var diagnosis = Field(f, "diagnosis_kind") is { } kind ? new DiagnosisRecord(kind, Field(f, "diagnosed_on"), Field(f, "diagnosis_detail")) : null;
            if (byNumber.TryGetValue(number, out var existing))
            {
                if (diagnosis is not null) existing.Diagnoses.Add(diagnosis);
                continue;
            }
            var record = new PolicyRecord
            {
                PolicyNumber = Field(f, "policy_number"),
                Product = Field(f, "product"),
                Variant = Field(f, "variant"),
                EffectiveDate = Field(f, "effective_date"),
                EndDate = Field(f, "end_date"),
                PreviousPolicyNumber = Field(f, "previous_policy_number"),
                SpecialtyDrugCover = Field(f, "specialty_drug_cover") is "true" or "1" or "yes" or "Y" or "是",
                // optional column: an amount that is not a number is kept as -1, which Validate refuses with the field's name
                SpecialtyDrugSumInsured = Field(f, "specialty_drug_sum_insured") is { } sum
                    ? decimal.TryParse(sum, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) ? amount : -1m
                    : null,
                Insured = new PersonRecord(Field(f, "insured_name"), Field(f, "insured_id_number"), Field(f, "insured_phone"), Field(f, "insured_birth_date"), null, Field(f, "insured_user")),
                Guardian = Field(f, "guardian_name") is null ? null
                    : new PersonRecord(Field(f, "guardian_name"), Field(f, "guardian_id_number"), Field(f, "guardian_phone"), null, Field(f, "guardian_relation"), Field(f, "guardian_user")),
                Diagnoses = diagnosis is null ? [] : [diagnosis],
                CoolingOffEnd = Field(f, "cooling_off_end"),     // optional columns: the policy's own period ends
                WaitingPeriodEnd = Field(f, "waiting_period_end"),
                TerminatedOn = Field(f, "terminated_on"),         // optional columns: amendments through the feed
                TerminationReason = Field(f, "termination_reason"),
            };
            byNumber[number] = record;
            ordered.Add(record);
        }
        return ordered;
    }

    private Policy Validate(int row, PolicyRecord r, List<ImportError> errors)
    {
        void Error(string field, string message, string messageZh) => errors.Add(new ImportError(row, r.PolicyNumber, field, message, messageZh));
        var number = r.PolicyNumber?.Trim();
        if (string.IsNullOrEmpty(number) || number.Length > 64) Error("policyNumber", $"Row {row}: the policy number is missing or longer than 64 characters.", $"第 {row} 行：保单号缺失或超过 64 个字符。");
        if (r.Product is null || !Products.All.Contains(r.Product)) Error("product", $"Row {row}: product must be one of {string.Join(", ", Products.All)}.", $"第 {row} 行：产品必须是以下之一：{string.Join("、", Products.All)}。");
        if (r.Product == Products.JdTumourDrug && (r.Variant is null || !Products.JdVariants.Contains(r.Variant)))
            Error("variant", $"Row {row}: a JD policy needs variant {string.Join(" or ", Products.JdVariants)}.", $"第 {row} 行：京东安联保单需要注明版本：{string.Join(" 或 ", Products.JdVariants)}。");
        var effective = Date(r.EffectiveDate, "effectiveDate", true);
        var end = Date(r.EndDate, "endDate", true);
        if (effective is { } e0 && end is { } e1 && e1 < e0) Error("endDate", $"Row {row}: the end date {e1:yyyy-MM-dd} is before the effective date {e0:yyyy-MM-dd}.", $"第 {row} 行：终止日期 {e1:yyyy-MM-dd} 早于生效日期 {e0:yyyy-MM-dd}。");
        var insured = r.Insured;
        if (insured is null || string.IsNullOrWhiteSpace(insured.Name)) Error("insured.name", $"Row {row}: the insured person's name is missing.", $"第 {row} 行：缺少被保险人姓名。");
        if (insured?.IdNumber is not { Length: >= 15 and <= 18 }) Error("insured.idNumber", $"Row {row}: the insured person's ID number must have 15 to 18 characters.", $"第 {row} 行：被保险人证件号应为 15 到 18 位。");
        Text(insured?.Name, "insured.name", 50);
        Text(insured?.Phone, "insured.phone", 20);
        Text(r.Guardian?.Name, "guardian.name", 50);
        Text(r.Guardian?.Phone, "guardian.phone", 20);
        Text(r.Guardian?.Relation, "guardian.relation", 30);
        if (r.Guardian is { } g && g.IdNumber is { } gid && gid.Length is < 15 or > 18) Error("guardian.idNumber", $"Row {row}: the guardian's ID number must have 15 to 18 characters.", $"第 {row} 行：监护人证件号应为 15 到 18 位。");
        if (r.SpecialtyDrugSumInsured is { } sumInsured && (sumInsured <= 0 || sumInsured > DirectBillingSettings.MaxSumInsured || decimal.Round(sumInsured, 2) != sumInsured))
            Error("specialtyDrugSumInsured", $"Row {row}: the specialty-drug sum insured must be an amount in yuan above 0 and at most {DirectBillingSettings.MaxSumInsured:N0}, to the fen.",
                $"第 {row} 行：特药保险金额须为大于 0、不超过 {DirectBillingSettings.MaxSumInsured:N0} 元的金额（最多两位小数）。");
        var policyId = Guid.CreateVersion7().ToString("N");
        var diagnoses = r.Diagnoses.Select(d => Diagnosis(row, number, d, errors)).OfType<DiagnosisEvent>().ToList();
        foreach (var d in diagnoses) d.PolicyId = policyId;

        return new Policy
        {
            Id = policyId,
            PolicyNumber = number ?? "",
            Product = r.Product ?? "",
            Insurer = Products.InsurerOf(r.Product ?? ""),
            Variant = r.Variant,
            SpecialtyDrugCover = r.SpecialtyDrugCover,
            SpecialtyDrugSumInsured = r.SpecialtyDrugSumInsured,
            EffectiveDate = effective ?? default,
            EndDate = end ?? default,
            PreviousPolicyNumber = string.IsNullOrWhiteSpace(r.PreviousPolicyNumber) ? null : r.PreviousPolicyNumber.Trim(),
            CoolingOffEnd = Date(r.CoolingOffEnd, "coolingOffEnd", false),
            WaitingPeriodEnd = Date(r.WaitingPeriodEnd, "waitingPeriodEnd", false),
            InsuredName = insured?.Name?.Trim() ?? "",
            InsuredIdNumberProtected = insured?.IdNumber is { } id ? protector.Protect(id) : "",
            InsuredPhoneProtected = protector.ProtectOrNull(insured?.Phone),
            InsuredBirthDate = Date(insured?.BirthDate, "insured.birthDate", false),
            InsuredUserName = insured?.UserName,
            GuardianName = r.Guardian?.Name,
            GuardianIdNumberProtected = protector.ProtectOrNull(r.Guardian?.IdNumber),
            GuardianPhoneProtected = protector.ProtectOrNull(r.Guardian?.Phone),
            GuardianRelation = r.Guardian?.Relation,
            GuardianUserName = r.Guardian?.UserName,
            ImportedAt = clock.GetUtcNow(),
            Diagnoses = diagnoses,
        };

        DateOnly? Date(string? value, string field, bool required)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                if (required) Error(field, $"Row {row}: {field} is missing.", $"第 {row} 行：缺少此项。");
                return null;
            }
            if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
            Error(field, $"Row {row}: {field} '{Trim(value)}' is not a date in the form yyyy-MM-dd.", $"第 {row} 行：“{Trim(value)}”不是 yyyy-MM-dd 格式的日期。");
            return null;
        }

        void Text(string? value, string field, int max)
        {
            if (value is { Length: var n } && n > max) Error(field, $"Row {row}: {field} is {n:N0} characters long; at most {max} are allowed.", $"第 {row} 行：长度为 {n:N0} 个字符，最多允许 {max} 个。");
        }
    }

    private DiagnosisEvent? Diagnosis(int row, string? policyNumber, DiagnosisRecord d, List<ImportError> errors)
    {
        if (d.Kind is null || !DiagnosisEvent.Kinds.Contains(d.Kind))
        {
            errors.Add(new ImportError(row, policyNumber, "diagnosis.kind", $"Row {row}: diagnosis kind must be one of {string.Join(", ", DiagnosisEvent.Kinds)}.", $"第 {row} 行：诊断类型必须是以下之一：{string.Join("、", DiagnosisEvent.Kinds)}。"));
            return null;
        }
        if (!DateOnly.TryParseExact(d.DiagnosedOn ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var on))
        {
            errors.Add(new ImportError(row, policyNumber, "diagnosis.diagnosedOn", $"Row {row}: diagnosedOn '{Trim(d.DiagnosedOn)}' is not a date in the form yyyy-MM-dd.", $"第 {row} 行：确诊日期“{Trim(d.DiagnosedOn)}”不是 yyyy-MM-dd 格式的日期。"));
            return null;
        }
        // 0001-01-01 (an empty date from some feed) and the like are not diagnoses. Future dates are accepted: feeds
        // are tested with clocks set ahead, and the eligibility rules compare the date with the application's day anyway.
        if (on < MinDiagnosisDate || on > MaxDiagnosisDate)
        {
            errors.Add(new ImportError(row, policyNumber, "diagnosis.diagnosedOn", $"Row {row}: diagnosedOn {on:yyyy-MM-dd} is not a possible diagnosis date; it must be between {MinDiagnosisDate:yyyy-MM-dd} and {MaxDiagnosisDate:yyyy-MM-dd}.",
                $"第 {row} 行：确诊日期 {on:yyyy-MM-dd} 不可能，应在 {MinDiagnosisDate:yyyy-MM-dd} 与 {MaxDiagnosisDate:yyyy-MM-dd} 之间。"));
            return null;
        }
        if (d.Detail is { Length: > 2000 })
        {
            errors.Add(new ImportError(row, policyNumber, "diagnosis.detail", $"Row {row}: the diagnosis detail is longer than 2,000 characters.", $"第 {row} 行：诊断说明超过 2,000 个字符。"));
            return null;
        }
        return new DiagnosisEvent { Kind = d.Kind, DiagnosedOn = on, Confirmed = d.Confirmed, DetailProtected = protector.ProtectOrNull(d.Detail), RecordedAt = clock.GetUtcNow() };
    }

    public static readonly DateOnly MinDiagnosisDate = new(1900, 1, 1);
    public static readonly DateOnly MaxDiagnosisDate = new(2099, 12, 31);

    private static bool LooksLikeFormula(string v) =>
        v.Length > 0 && (v[0] is '=' or '@' or '\t' or '\r' || v[0] is '+' or '-' && (v.Length == 1 || !char.IsAsciiDigit(v[1])));

    private static string Trim(string? s) => s is null ? "" : s.Length > 20 ? s[..20] + "…" : s;
}
