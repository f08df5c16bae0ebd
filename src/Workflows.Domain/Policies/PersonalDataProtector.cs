using Microsoft.AspNetCore.DataProtection;

namespace Workflows.Domain.Policies;

/// <summary>
/// Encrypts personal data at rest (ID numbers, phones, diagnoses) with ASP.NET Core Data Protection (AES-256-CBC +
/// HMAC, keys in the data folder), and masks it for responses that do not need it.
/// </summary>
public sealed class PersonalDataProtector(IDataProtectionProvider provider)
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
}
