[assembly: System.Resources.NeutralResourcesLanguage("zh-CN")]

namespace Workflows.Web.Localization;

/// <summary>
/// The shell's shared resource: <c>Texts.resx</c> holds the Chinese text (zh-CN, the neutral language), <c>Texts.en.resx</c>
/// the English. Inject <c>IStringLocalizer&lt;Texts&gt;</c>; keys are dotted by area ("Nav.Inbox", "Status.Open").
/// Areas with many texts of their own keep their own resource beside their own marker class (see docs/localization.md).
/// </summary>
public sealed class Texts;
