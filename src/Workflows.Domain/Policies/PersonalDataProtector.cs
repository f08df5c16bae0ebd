using Microsoft.AspNetCore.DataProtection;

namespace Workflows.Domain.Policies;

/// <summary>
/// Encrypts personal data at rest (ID numbers, phones, diagnoses) with ASP.NET Core Data Protection (AES-256-CBC +
/// HMAC, keys in the data folder), and masks it for responses that do not need it.
/// </summary>
public sealed partial class PersonalDataProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Workflows.PersonalData.v1");

    public string Protect(string value) => _protector.Protect(value);
    public string? ProtectOrNull(string? value) => string.IsNullOrEmpty(value) ? null : _protector.Protect(value);
    public string? Unprotect(string? value) => value is null ? null : _protector.Unprotect(value);

    /// <summary>110***********002X: first 3 and last 4 characters.</summary>
    public static string MaskIdNumber(string? id) =>
        string.IsNullOrEmpty(id) ? "" : id.Length <= 7 ? new string('*', id.Length) : id[..3] + new string('*', id.Length - 7) + id[^4..];

    /// <summary>139****5678.</summary>
    public static string MaskPhone(string? phone) =>
        string.IsNullOrEmpty(phone) ? "" : phone.Length <= 7 ? new string('*', phone.Length) : phone[..3] + new string('*', phone.Length - 7) + phone[^4..];

    /// <summary>Names keep their first character: 张**.</summary>
    public static string MaskName(string? name) =>
        string.IsNullOrEmpty(name) ? "" : name[..1] + new string('*', Math.Max(1, name.Length - 1));

    /// <summary>
    /// Free text with the identifiers in it masked by content: an ID number (15 or 18 characters, the last may be X) and
    /// a mainland mobile or landline number keep only their first three and last four characters; a diagnosis word
    /// (<see cref="Workflows.Engine.Runtime.Redactor.SensitiveTerms"/>) becomes ***. For staff views that
    /// need the gist of a member's words, not their identifiers.
    /// </summary>
    public static string MaskContent(string? text) =>
        string.IsNullOrEmpty(text) ? "" : Workflows.Engine.Runtime.Redactor.DiagnosisTerm.Replace(IdentifierInText().Replace(text, m => MaskIdNumber(m.Value)), "***");

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15}|(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8}|\d{3,4}-\d{7,8})(?![0-9A-Za-z])")]
    private static partial System.Text.RegularExpressions.Regex IdentifierInText();
}
