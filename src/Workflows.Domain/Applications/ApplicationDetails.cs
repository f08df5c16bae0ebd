namespace Workflows.Domain.Applications;

/// <summary>What a member asks for, beyond the service: where, which drug, the prescription, attachments (metadata only).</summary>
public sealed record ApplicationDetails
{
    public string? Hospital { get; init; }
    public string? City { get; init; }
    public string? Drug { get; init; }
    public DateOnly? PrescribedOn { get; init; }
    public int? PrescriptionDays { get; init; }
    /// <summary>JD green channel: the refused reservation-purchase application it follows.</summary>
    public string? RefusedApplicationId { get; init; }
    /// <summary>JD green channel: the member accepts the prescription review's result (客户认可京东安联的审核结果, J 344-346).</summary>
    public bool AcceptsReviewResult { get; init; }
    public string? PreferredTime { get; init; }
    public string? Note { get; init; }
    public IReadOnlyList<AttachmentMeta> Attachments { get; init; } = [];
}

/// <summary>An uploaded document's metadata (the file itself is kept by the document store, not here).</summary>
public sealed record AttachmentMeta(string Kind, string FileName, string ContentType, long SizeBytes, string? Sha256 = null)
{
    public const string GuardianshipProof = "guardianship-proof";
    public const string PowerOfAttorney = "power-of-attorney";
}
