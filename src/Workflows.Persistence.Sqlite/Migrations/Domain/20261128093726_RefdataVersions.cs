using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class RefdataVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ReferenceDataVersion",
                table: "ServiceApplications",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RefDataUploads",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    List = table.Column<string>(type: "TEXT", nullable: false),
                    FileName = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    UploadedBy = table.Column<string>(type: "TEXT", nullable: false),
                    UploadedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    BaseVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    PublishedVersion = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataUploads", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RefDataVersionFiles",
                columns: table => new
                {
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    File = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Sha256 = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataVersionFiles", x => new { x.Version, x.File });
                });

            migrationBuilder.CreateTable(
                name: "RefDataVersions",
                columns: table => new
                {
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    EffectiveDate = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    PublishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PublishedBy = table.Column<string>(type: "TEXT", nullable: false),
                    ChangedList = table.Column<string>(type: "TEXT", nullable: true),
                    Added = table.Column<int>(type: "INTEGER", nullable: false),
                    Removed = table.Column<int>(type: "INTEGER", nullable: false),
                    Changed = table.Column<int>(type: "INTEGER", nullable: false),
                    UploadId = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RefDataVersions", x => x.Number);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RefDataUploads_UploadedAt",
                table: "RefDataUploads",
                column: "UploadedAt");

            migrationBuilder.CreateIndex(
                name: "IX_RefDataVersions_UploadId",
                table: "RefDataVersions",
                column: "UploadId",
                unique: true);

            // A published version is immutable: the database refuses to change or delete it (docs/reference-data.md).
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
            {
                migrationBuilder.Sql($"CREATE TRIGGER {table}_NoUpdate BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, 'reference data versions are immutable'); END;");
                migrationBuilder.Sql($"CREATE TRIGGER {table}_NoDelete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, 'reference data versions are immutable'); END;");
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in new[] { "RefDataVersions", "RefDataVersionFiles" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_NoUpdate;");
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {table}_NoDelete;");
            }

            migrationBuilder.DropTable(
                name: "RefDataUploads");

            migrationBuilder.DropTable(
                name: "RefDataVersionFiles");

            migrationBuilder.DropTable(
                name: "RefDataVersions");

            migrationBuilder.DropColumn(
                name: "ReferenceDataVersion",
                table: "ServiceApplications");
        }
    }
}
