namespace Workflows.Web.Localization;

/// <summary>Texts of the staff workspace (inbox, task forms, case view, case search, phone applications, board, COC):
/// <c>WorkspaceTexts.resx</c> (Chinese) and <c>WorkspaceTexts.en.resx</c> (English).</summary>
public sealed class WorkspaceTexts;
