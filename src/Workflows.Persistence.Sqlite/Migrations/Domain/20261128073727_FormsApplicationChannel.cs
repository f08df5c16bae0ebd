using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class FormsApplicationChannel : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Channel",
                table: "ServiceApplications",
                type: "TEXT",
                nullable: false,
                defaultValue: "app");

            migrationBuilder.AddColumn<string>(
                name: "FiledBy",
                table: "ServiceApplications",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ReceivedAt",
                table: "ServiceApplications",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Applications made before channels existed were received when they were created.
            migrationBuilder.Sql("UPDATE ServiceApplications SET ReceivedAt = CreatedAt WHERE ReceivedAt = 0;");

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_PolicyNumber",
                table: "ServiceApplications",
                column: "PolicyNumber");

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_ReceivedAt_Id",
                table: "ServiceApplications",
                columns: new[] { "ReceivedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_ServiceApplications_ServiceCode_Status_ReceivedAt",
                table: "ServiceApplications",
                columns: new[] { "ServiceCode", "Status", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Policies_InsuredName",
                table: "Policies",
                column: "InsuredName");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ServiceApplications_PolicyNumber",
                table: "ServiceApplications");

            migrationBuilder.DropIndex(
                name: "IX_ServiceApplications_ReceivedAt_Id",
                table: "ServiceApplications");

            migrationBuilder.DropIndex(
                name: "IX_ServiceApplications_ServiceCode_Status_ReceivedAt",
                table: "ServiceApplications");

            migrationBuilder.DropIndex(
                name: "IX_Policies_InsuredName",
                table: "Policies");

            migrationBuilder.DropColumn(
                name: "Channel",
                table: "ServiceApplications");

            migrationBuilder.DropColumn(
                name: "FiledBy",
                table: "ServiceApplications");

            migrationBuilder.DropColumn(
                name: "ReceivedAt",
                table: "ServiceApplications");
        }
    }
}
